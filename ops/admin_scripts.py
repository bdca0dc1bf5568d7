"""Run the Wagtail admin under the site's Content-Security-Policy, which forbids inline scripts.

Wagtail 8 still writes a few one-line inline scripts that start its widgets: date and time
pickers (``initDateChooser("id", {...})``), choosers (``new SnippetChooser("id", {...})``) and
inline panels (``new InlinePanel(JSON.parse("..."))``). A nonce or hash cannot be given to them
(they are built in Python widgets and differ per field), and ``'unsafe-inline'`` would also let an
injected script run. Instead, admin pages are rewritten on the way out: each inline script of
exactly one of these known shapes becomes inert JSON data naming an allow-listed initialiser, and
``ops/static/ops/admin_init.js`` (a static file, allowed by ``script-src 'self'``) calls it.
Anything else stays an inline script, so the browser blocks it and says so in the console.
"""

import json
import re

CALLABLE_INITIALISERS = {"initDateChooser", "initTimeChooser", "initDateTimeChooser"}
CONSTRUCTOR_INITIALISERS = {
    "SnippetChooser",
    "PageChooser",
    "ImageChooser",
    "DocumentChooser",
    "TaskChooser",
    "Chooser",
    "InlinePanel",
    "MultipleChooserPanel",
}

_INLINE_SCRIPT = re.compile(r"<script>(?P<body>.*?)</script>", re.S)
_CALL = re.compile(r"^(?P<name>\w+)\((?P<args>.*)\);?$", re.S)
_NEW = re.compile(r"^new (?P<name>\w+)\((?P<args>.*)\);?$", re.S)
_PANEL = re.compile(
    r"^\(function\(\)\s*\{\s*var panel = new (?P<name>\w+)"
    r'\(JSON\.parse\("(?P<options>(?:[^"\\]|\\.)*)"\)\);\s*\}\)\(\);?$',
    re.S,
)


def _json_args(text: str):
    try:
        args = json.loads(f"[{text}]")
    except ValueError:
        return None
    return args


def _data_script(kind: str, name: str, args: list) -> str:
    # The JSON sits inside a <script> element: "<", ">" and "&" are escaped so it cannot close it.
    payload = json.dumps(args).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" data-admin-init="{kind}:{name}">{payload}</script>'


def _rewrite(match: re.Match) -> str:
    body = match.group("body").strip()
    if (m := _PANEL.match(body)) and m.group("name") in CONSTRUCTOR_INITIALISERS:
        try:
            options = json.loads(json.loads(f'"{m.group("options")}"'))
        except ValueError:
            return match.group(0)
        return _data_script("new", m.group("name"), [options])
    for pattern, kind, allowed in ((_NEW, "new", CONSTRUCTOR_INITIALISERS), (_CALL, "call", CALLABLE_INITIALISERS)):
        m = pattern.match(body)
        if m and m.group("name") in allowed and (args := _json_args(m.group("args"))) is not None:
            return _data_script(kind, m.group("name"), args)
    return match.group(0)


def rewrite_inline_initialisers(html: str) -> str:
    return _INLINE_SCRIPT.sub(_rewrite, html)
