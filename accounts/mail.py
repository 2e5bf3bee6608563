"""The emails Threshold sends: password reset (Django's view) and the invitation a lead sends to a new member."""
import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

SEND_ERRORS = (smtplib.SMTPException, OSError)
FAILED = ("The email could not be sent: the mail server did not accept it. Nothing else changed; try again later "
          "or tell whoever runs this installation.")


def send_invitation(request, user, invited_by) -> None:
    """A link to choose a password, valid as long as a password reset link; raises one of SEND_ERRORS on failure."""
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    body = render_to_string("accounts/email/invitation.txt", {
        "user": user, "invited_by": invited_by, "link": request.build_absolute_uri(path),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    })
    send_mail("Your Threshold account", body, None, [user.email])
