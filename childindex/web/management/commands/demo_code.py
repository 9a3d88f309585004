"""`childindex demo_code USERNAME`: the current authenticator code of a demo account.

Demo only: it refuses outside CHILDINDEX_MODE=demo and for any account that is not one of the
demo command's own (their usernames start with ``demo-``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import two_factor
from childindex.access.demo import current_code
from childindex.access.models import User


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if settings.MODE != "demo" or not username.startswith("demo-"):
            raise CommandError("demo_code works only for the demo's own accounts, in demo mode")
        user = User.objects.filter(username=username).first()
        device = (
            TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
            if user
            else None
        )
        if device is None:
            raise CommandError(f"no demo account {username!r} with an authenticator: run the demo")
        self.stdout.write(current_code(two_factor.secret_base32(device)))
