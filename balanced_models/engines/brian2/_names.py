"""Brian2 rejects name=None; pass a name only where the user gave one."""


def name_kwargs(name):
    """{'name': name} if a name was given, else {} (Brian2 then picks a unique default)."""
    return {} if name is None else {"name": name}
