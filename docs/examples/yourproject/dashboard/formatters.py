"""Label formatters, shared by the manager before the migration and the settings after it."""


# --8<-- [start:user]
def user_label(user):
    if not user:
        return "system"
    return f"{user.get_full_name() or user.get_username()} <{user.get_username()}>"


# --8<-- [end:user]
