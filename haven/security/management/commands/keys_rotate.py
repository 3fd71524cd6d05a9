import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.lib import crypto
from haven.security import keys, rotation


class Command(BaseCommand):
    help = (
        "Manage the keys content at rest is sealed with (README, Data protection): wrap every "
        "data key under a new master key, drop an old master key, move one school's content "
        "to a new data key, or seal content stored before encryption. The service keeps "
        "running throughout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-master-key-file",
            type=Path,
            help="Wrap every data key under the key in this file too (the file is made, 0600, "
            "if missing). Then list it FIRST in HAVEN_MASTER_KEY_FILE on every process.",
        )
        parser.add_argument(
            "--drop-master",
            metavar="MASTER_ID",
            help="Delete the wraps under this old master key (once every process has the new).",
        )
        parser.add_argument(
            "--unit", type=int, help="Re-encrypt this unit's content under a new data key."
        )
        parser.add_argument(
            "--settle",
            type=float,
            default=keys.SEAL_SECONDS,
            help="With --unit: seconds to wait for other processes to stop using the old key "
            "before the last sweep and the deletion of the old key (default %(default)s).",
        )
        parser.add_argument(
            "--encrypt-existing",
            action="store_true",
            help="Seal content stored before encryption was turned on.",
        )
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write
        chosen = [
            options["new_master_key_file"],
            options["drop_master"],
            options["unit"],
            options["encrypt_existing"] or None,
        ]
        if sum(o is not None for o in chosen) != 1:
            raise CommandError(
                "Give one of --new-master-key-file, --drop-master, --unit, --encrypt-existing."
            )
        try:
            if options["new_master_key_file"]:
                path = options["new_master_key_file"]
                new_id = rotation.master_add(path, say)
                say(
                    f"Next: set HAVEN_MASTER_KEY_FILE={path},<the old file> on every process "
                    f"and restart them one by one; run this again (it adds what was made "
                    f"meanwhile); then keys_rotate --drop-master <old id>. New id: {new_id}"
                )
            elif options["drop_master"]:
                rotation.master_drop(options["drop_master"], say)
            elif options["unit"] is not None:
                rotation.unit_rekey(options["unit"], say, options["batch"])
                time.sleep(max(0.0, options["settle"]))
                rotation.unit_retired_purge(options["unit"], say, options["batch"])
            else:
                rotation.encrypt_existing(say, options["batch"])
        except crypto.CryptoError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            keys.forget()
