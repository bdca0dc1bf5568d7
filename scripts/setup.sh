#!/usr/bin/env bash
# Set up and run the project on Debian, or run every check CI runs.
#
#   scripts/setup.sh run    system packages, .venv, migrate, translations, static files, demo data,
#                           then the development server on http://127.0.0.1:8000 (PORT overrides)
#   scripts/setup.sh test   system packages (plus Chromium), .venv with the test tools, the lint
#                           steps below, then the whole pytest suite
#   scripts/setup.sh lint   makemigrations --check, manage.py check, lint-imports, ruff check
#
# Safe to re-run: packages, requirements, translations and static files are only touched when
# something changed. PYTHON=/path/to/python3.12 picks the interpreter for a new .venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
PORT="${PORT:-8000}"
MIN_PYTHON="3.12"

# Runtime libraries: HarfBuzz subsetting keeps WeasyPrint's PDFs small, Pango lays out Arabic,
# the fonts cover Arabic certificates, poppler and zbar let tests read rendered PDFs and QR codes,
# gettext compiles translations, fontconfig provides fc-list/fc-cache.
APT_PACKAGES=(libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-core
              fonts-hosny-amiri poppler-utils zbar-tools gettext)
# Browser tests drive Debian's Chromium; `playwright install` cannot download browsers here.
APT_TEST_PACKAGES=(chromium)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mError: %s\033[0m\n' "$*" >&2; exit 1; }
manage() { "$PY" manage.py "$@"; }

# --- Python ---------------------------------------------------------------------------------

python_ok() {  # is "$1" a working Python >= MIN_PYTHON? (pyenv shims exist for absent versions)
    "$1" -c 'import ensurepip, sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

find_python() {
    local candidate
    if [[ -n "${PYTHON:-}" ]]; then
        python_ok "$PYTHON" || die "PYTHON=$PYTHON is not a working Python >= $MIN_PYTHON."
        echo "$PYTHON"; return
    fi
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null && python_ok "$candidate"; then
            command -v "$candidate"; return
        fi
    done
    for candidate in /root/.pyenv/versions/3.1[2-9]*/bin/python "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python; do
        if [[ -x "$candidate" ]] && python_ok "$candidate"; then
            echo "$candidate"; return
        fi
    done
    cat >&2 <<EOF
Error: no Python >= $MIN_PYTHON found (tried python3.13, python3.12, python3 on PATH and
~/.pyenv/versions/3.1[2-9]*). Debian 12 ships Python 3.11 only. Install 3.12, for example:
    curl -fsSL https://pyenv.run | bash
    ~/.pyenv/bin/pyenv install 3.12
then run this command again (or point PYTHON=/path/to/python3.12 at an interpreter you have).
EOF
    exit 1
}

ensure_venv() {
    if [[ -x "$PY" ]] && python_ok "$PY"; then
        return
    fi
    local python
    python="$(find_python)"
    if [[ -e "$VENV" ]]; then
        say "Replacing $VENV (missing or older than Python $MIN_PYTHON)"
        rm -rf "$VENV"
    fi
    say "Creating .venv with $python ($("$python" -V 2>&1))"
    "$python" -m venv "$VENV"
}

requirements_digest() {  # of the interpreter and every file requirements/$1.txt pulls in
    { "$PY" -VV; cat requirements/base.txt "requirements/$1.txt"; } | sha256sum | cut -d' ' -f1
}

# Install a requirements file only when it (or base.txt, which it includes) changed since the
# last install into this .venv; the stamp lives inside .venv so a new .venv starts clean.
ensure_requirements() {
    local name="$1" digest
    digest="$(requirements_digest "$name")"
    if [[ "$(cat "$VENV/.requirements-$name.sha256" 2>/dev/null)" == "$digest" ]]; then
        return
    fi
    # test.txt includes base.txt, so a current test install also satisfies `run`.
    if [[ "$name" == base && "$(cat "$VENV/.requirements-test.sha256" 2>/dev/null)" == "$(requirements_digest test)" ]]; then
        return
    fi
    say "Installing requirements/$name.txt"
    "$PY" -m pip install --disable-pip-version-check --no-input --quiet -r "requirements/$name.txt"
    echo "$digest" > "$VENV/.requirements-$name.sha256"
}

# --- Debian packages ------------------------------------------------------------------------

ensure_apt_packages() {
    local missing=() package
    if ! command -v dpkg-query >/dev/null; then
        echo "Not a Debian system: make sure these (or their equivalents) are installed: $*" >&2
        return
    fi
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$package")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return
    if [[ "$(id -u)" -ne 0 ]]; then
        cat >&2 <<EOF
Error: these Debian packages are missing. Install them, then run this command again:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}
EOF
        exit 1
    fi
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# --- Project steps --------------------------------------------------------------------------

compile_messages() {
    # Compile only when a .po is newer than its .mo (committed .mo files are left alone).
    local po stale=""
    while IFS= read -r -d '' po; do
        if [[ ! -f "${po%.po}.mo" || "$po" -nt "${po%.po}.mo" ]]; then
            stale=1; break
        fi
    done < <(find . \( -path ./.venv -o -path ./var -o -path ./.git -o -path ./node_modules \) -prune \
                  -o -name '*.po' -path '*/LC_MESSAGES/*' -print0)
    if [[ -n "$stale" ]]; then
        say "Compiling translations"
        manage compilemessages --ignore=.venv --ignore=var --ignore=node_modules -v0
    fi
}

STATIC_STAMP="$ROOT/var/.collectstatic-stamp"

static_changed() {  # a file under some app's static/, or the installed packages, since the last collect
    [[ ! -f "$STATIC_STAMP" ]] ||
    [[ -n "$(find . \( -path ./.venv -o -path ./var -o -path ./.git \) -prune \
             -o -path '*/static/*' -newer "$STATIC_STAMP" -print -quit)" ]] ||
    [[ -n "$(find "$VENV" -maxdepth 1 -name '.requirements-*.sha256' -newer "$STATIC_STAMP" -print -quit)" ]]
}

has_command() {  # does some project app define `manage.py $1`? (a glob: no Django start-up)
    compgen -G "*/management/commands/$1.py" >/dev/null
}

# Several management commands in one process: Django and Wagtail take seconds to start, and a
# re-run should be quick. Each argument is one command line, e.g. "migrate --noinput".
manage_in_one_process() {
    "$PY" - "$@" <<'EOF'
import os
import shlex
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django

django.setup()
from django.core.management import call_command

for line in sys.argv[1:]:
    print(f"\033[1m==> manage.py {line}\033[0m", flush=True)
    call_command(*shlex.split(line))
EOF
}

# --- Subcommands ----------------------------------------------------------------------------

prepare() {  # everything both run and test need; $1 = base or test
    local packages=("${APT_PACKAGES[@]}")
    [[ "$1" == test ]] && packages+=("${APT_TEST_PACKAGES[@]}")
    ensure_apt_packages "${packages[@]}"
    ensure_venv
    ensure_requirements "$1"
    mkdir -p var
    compile_messages
}

cmd_run() {
    prepare base
    # The site's address is the one this server answers on (links in e-mails, the certificates'
    # QR codes), unless the environment names another.
    export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
    local commands=("migrate --noinput -v0") collect=""
    if static_changed; then
        commands+=("collectstatic --noinput -v0")
        collect=1
    fi
    if has_command demo_data; then
        commands+=("demo_data" "demo_data --print-logins")
        # Staff logins need a second factor: print each demo staff account's authenticator key.
        has_command demo_second_factor && commands+=("demo_second_factor")
    else
        echo "manage.py demo_data is not available yet; starting without demo data or demo logins."
    fi
    # The site and the eight courses' pages (idempotent); after demo_data, so the demo trainers exist
    # and get their courses to author.
    if has_command load_courses; then
        commands+=("load_courses")
    fi
    manage_in_one_process "${commands[@]}"
    [[ -n "$collect" ]] && touch "$STATIC_STAMP"
    say "Serving on http://127.0.0.1:$PORT (admin: http://127.0.0.1:$PORT/admin/)"
    exec "$PY" manage.py runserver "127.0.0.1:$PORT"
}

FAILED=()
step() {  # run one check, remember its name if it fails, carry on with the others
    local name="$1"; shift
    say "$name"
    if ! "$@"; then
        FAILED+=("$name")
    fi
}

# The suite runs on two pytest-xdist workers (the machine's two cores; TEST_WORKERS=… changes it,
# 0 runs it in one process); per worker, tests/production/processes.py picks Redis databases of
# its own and pytest-django a test database of its own.
pytest_step() {
    local rc=0
    "$VENV/bin/pytest" -n "${TEST_WORKERS:-2}" "$@" || rc=$?
    if [[ $rc -eq 5 ]]; then
        echo "pytest collected no tests; that is a failure, not a pass." >&2
    fi
    return $rc
}

lint_steps() {
    step "makemigrations --check" manage makemigrations --check --dry-run
    step "manage.py check" manage check
    step "lint-imports" "$VENV/bin/lint-imports"
    step "ruff check" "$VENV/bin/ruff" check .
}

finish() {
    if [[ ${#FAILED[@]} -gt 0 ]]; then
        printf '\033[31mFailed:\033[0m\n' >&2
        printf '  - %s\n' "${FAILED[@]}" >&2
        exit 1
    fi
    say "All checks passed"
}

cmd_lint() {
    prepare test
    lint_steps
    finish
}

cmd_test() {
    prepare test
    lint_steps
    step "pytest" pytest_step "$@"
    finish
}

case "${1:-}" in
    run) shift; cmd_run "$@" ;;
    test) shift; cmd_test "$@" ;;
    lint) shift; cmd_lint "$@" ;;
    *) echo "Usage: $0 run | test [pytest arguments] | lint" >&2; exit 2 ;;
esac
