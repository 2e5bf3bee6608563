from screening.roles import role_of


def role(request):
    """The signed-in user's role, for the header of every page."""
    return {"role": role_of(request.user) if hasattr(request, "user") else None}
