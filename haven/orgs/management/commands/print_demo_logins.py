import json
from typing import Any

from django.core.management.base import BaseCommand

from haven.orgs.demo import DATA


class Command(BaseCommand):
    help = "Print the demo accounts, their password and their shared TOTP secret."

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.loads((DATA / "demo.json").read_text(encoding="utf-8"))
        self.stdout.write("Demo logins (password for all: {}):".format(data["password"]))
        for user in data["users"]:
            roles = ", ".join(f"{role} on {unit}" for role, unit in user["roles"])
            self.stdout.write(f"  {user['email']:<32} {roles}")
        self.stdout.write(
            "Second step: add this secret to an authenticator app (FreeOTP, Aegis, Google or "
            "Microsoft Authenticator) and enter the code it shows."
        )
        self.stdout.write("Demo TOTP secret: {}".format(data["totp_secret"]))
