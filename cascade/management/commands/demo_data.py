import time

from django.core.management.base import BaseCommand, CommandError

from cascade.demo import DEMO_PASSWORD, demo_data_build, demo_logins, expected_people


class Command(BaseCommand):
    help = (
        "Load deterministic demo data at the programme's real figures (434 ToT trainers, 6,207 cascade "
        "participants, 2,290 direct participants) and one login per role. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--scale", type=int, default=1, help="Multiply people and sessions (56 ≈ 500,000 people).")
        parser.add_argument("--reset", action="store_true", help="Delete the previous demo data first.")
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, seed: int, scale: int, reset: bool, print_logins: bool, **options):
        if print_logins:
            self._print_logins()
            return
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        started = time.monotonic()
        summary = demo_data_build(seed=seed, scale=scale, reset=reset)
        elapsed = time.monotonic() - started
        if not summary.created:
            self.stdout.write(f"Demo data already present ({summary.people:,} demo people); nothing to do.")
            if summary.people != expected_people(scale):
                self.stdout.write(
                    f"It was built with another --scale (scale {scale} makes {expected_people(scale):,} people); "
                    "use --reset to rebuild it."
                )
            return
        sessions = summary.sessions
        rows = [
            ("people", summary.people),
            ("  master trainers (generation 0)", summary.master_trainers),
            ("  trainers qualified through ToT by master trainers (generation 1)", summary.tot_trainers),
            ("  ToT participants not qualified (incomplete or withdrawn)", summary.tot_dropouts),
            ("  cascade participants (generations 2 and 3)", summary.cascade_people),
            ("    of whom later qualified as trainers (generation 2)", summary.second_gen_trainers),
            ("    of whom trained by them (generation 3)", summary.third_generation),
            ("  direct participants", summary.direct_people),
            ("    of whom women", summary.direct_women),
            ("sessions", sum(sessions.values())),
            ("  ToT", sessions["tot"]),
            ("  cascade", sessions["cascade"]),
            ("    headcount-only", summary.headcount_sessions),
            ("  direct", sessions["direct"]),
            ("  still open", summary.open_sessions),
            ("session trainers", summary.trainer_roles),
            ("participations", summary.participations),
            ("trainer qualifications", summary.qualifications),
            ("login accounts", len(summary.logins)),
            ("recent refresher ToT sessions renewing the demo trainers' qualifications", summary.refresher_sessions),
            ("certificates of the demo logins' completed sessions", summary.certificates),
        ]
        self.stdout.write(f"Demo data built (seed {seed}, scale {scale}) in {elapsed:.1f} s:")
        width = max(len(label) for label, _n in rows)
        for label, count in rows:
            self.stdout.write(f"  {label:<{width}}  {count:>10,}")
        self.stdout.write("Run with --print-logins to list the demo accounts.")

    def _print_logins(self) -> None:
        logins = demo_logins()
        width = max(len(login.username) for login in logins)
        role_width = max(len(login.role) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<{role_width}}  {login.description}")
        self.stdout.write(f"  Password for every demo account: {DEMO_PASSWORD}")
