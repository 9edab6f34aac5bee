"""
What the admin site's customer form posts for a user as they are now, for tests to change a field
of: the form's own fields and its "Save" button.
"""

from accounts.models import User


def form_data(user: User, **overrides) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone or "",
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
        "status": user.status,
        "role": user.role,
        "_save": "Save",
    }
    return {**data, **overrides}
