"""Every user-facing text goes through gettext: a new untranslated Chinese literal fails here.

Simplified Chinese is the source language, so the check is simple: a Chinese character in a
string literal of the application code, a template's text or a script's string must sit
inside a translation call (``_()``, ``gettext_lazy()``…, ``{% translate %}``,
``{% blocktranslate %}``, ``_("…")`` in a tag's argument, ``gettext()`` in JavaScript).

Data is the exception, and says so where it is: a statement (or line) marked ``# i18n-data``
holds stored values or a file format that must not change with the reader's language (the
volunteers' skill words, the residents' import template's headers), and ``DATA_FILES`` /
``DATA_LITERALS`` below name the rest with their reasons. Tests, migrations and the demo's
generated content are data by nature and not checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]  # the tongxin package
HAN = re.compile(r"[\u3400-\u9fff]")
GETTEXT_CALLS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "gettext_noop",
    "format_lazy",
    "lazy_str",
}
MARKER = "i18n-data"

DATA_FILES = {
    "cases/defaults.py": "the default category tree: data a migration loads, edited in the admin",
    "cases/suggest/corpus.py": "the category model's training corpus: residents' words, not UI",
    "cases/suggest/corpus_more.py": "more of the training corpus: residents' words, not UI",
    "cases/suggest/corpus_third.py": "the corpus's third pass: residents' words, not UI",
}
DATA_LITERALS = {
    # The import template's column titles are the file format (see importer.COLUMNS).
    "people/importer.py": {
        "房屋编码",
        "姓名",
        "身份证号",
        "手机号",
        "与户主关系",
        "政治面貌",
        "户籍类型",
        "民族",
        "职业",
        "工作单位",
        "住房性质",
    },
}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _skipped(path: Path) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    parts = rel.split("/")
    return (
        "tests" in parts
        or "migrations" in parts
        or parts[0] == "demo"
        or rel == "conftest.py"
        or rel == "core/testing.py"
        or rel in DATA_FILES
    )


def _python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not _skipped(p))


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def untranslated_python(path: Path) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    allowed = DATA_LITERALS.get(_rel(path), set())
    exempt: set[int] = set()  # ids of nodes not to report
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):  # a docstring
            exempt.add(id(first.value))
        if isinstance(node, ast.Call) and _call_name(node) in GETTEXT_CALLS:
            exempt.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.stmt) and MARKER in lines[node.lineno - 1]:
            exempt.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.JoinedStr):
            exempt.update(id(n) for n in ast.walk(node))
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if HAN.search(text) and text not in allowed and MARKER not in lines[node.lineno - 1]:
            found.append(f"{_rel(path)}:{node.lineno}: {text[:40]!r}")
    return found


def test_every_chinese_literal_in_the_code_is_translatable() -> None:
    found = [hit for path in _python_files() for hit in untranslated_python(path)]
    assert not found, "wrap these in _() / gettext_lazy() (or mark data # i18n-data):\n" + (
        "\n".join(found)
    )


HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
TRANSLATED_ARG = re.compile(r"""_\((?:"[^"]*"|'[^']*')\)""")
TRANSLATE_TAG = re.compile(r"^\s*(translate|trans)\s")


def untranslated_template(path: Path) -> list[str]:
    tokens = Lexer(HTML_COMMENT.sub("", path.read_text())).tokenize()
    found, in_block = [], False
    for token in tokens:
        text = token.contents
        if token.token_type == TokenType.BLOCK:
            word = text.split()[0] if text.split() else ""
            if word in ("blocktranslate", "blocktrans"):
                in_block = True
                continue
            if word in ("endblocktranslate", "endblocktrans"):
                in_block = False
                continue
            if TRANSLATE_TAG.match(text):
                continue
        if in_block or token.token_type == TokenType.COMMENT:
            continue
        if HAN.search(TRANSLATED_ARG.sub("", text)):
            found.append(f"{_rel(path)}:{token.lineno}: {text.strip()[:40]!r}")
    return found


def test_every_chinese_text_in_the_templates_is_translatable() -> None:
    templates = sorted(p for p in ROOT.rglob("templates/**/*.html") if not _skipped(p))
    assert templates
    found = [hit for path in templates for hit in untranslated_template(path)]
    assert not found, "use {% translate %} / {% blocktranslate %}:\n" + "\n".join(found)


JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)
JS_STRING = re.compile(
    r"""(?P<call>\b(?:gettext|ngettext|pgettext)\(\s*)?(?P<s>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
)


JS_LITERAL = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
JS_PLURAL = re.compile(rf"\bngettext\(\s*{JS_LITERAL}\s*,\s*{JS_LITERAL}")


def untranslated_script(path: Path) -> list[str]:
    # ngettext(singular, plural, n): both literals are msgids; blank them before the scan.
    source = JS_PLURAL.sub("ngettext(", JS_COMMENT.sub("", path.read_text()))
    found = []
    for m in JS_STRING.finditer(source):
        if HAN.search(m.group("s")) and not m.group("call"):
            line = source.count("\n", 0, m.start()) + 1
            found.append(f"{_rel(path)}:~{line}: {m.group('s')[:40]}")
    return found


def test_every_chinese_string_in_the_scripts_is_translatable() -> None:
    scripts = sorted(ROOT.rglob("static/**/*.js"))
    assert scripts
    found = [hit for path in scripts for hit in untranslated_script(path)]
    assert not found, "use gettext() / interpolate() in scripts:\n" + "\n".join(found)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The three checks see an untranslated text when there is one, and only then."""
    py = tmp_path / "probe.py"
    py.write_text('LABEL = "未翻译"\nOK = gettext_lazy("已翻译")\nDATA = "数据"  # i18n-data\n')
    assert [h.split(": ", 1)[1] for h in untranslated_python(py)] == ["'未翻译'"]
    html = tmp_path / "probe.html"
    html.write_text(
        '{% load i18n %}<p>未翻译</p><p>{% translate "已翻译" %}</p>'
        '{{ x|default:_("无") }}{{ y|default:"空" }}<!-- 注释 -->{# 注释 #}'
    )
    assert len(untranslated_template(html)) == 2
    js = tmp_path / "probe.js"
    js.write_text(
        '// 注释\nvar a = "未翻译"; var b = gettext("已翻译");\n'
        'var c = ngettext("一条", "多条", n);\n'
    )
    assert len(untranslated_script(js)) == 1


def test_every_command_prints_its_help_in_the_operators_language() -> None:
    """``manage.py <command> --help`` works with translated help texts, in English too."""
    from django.core.management import get_commands, load_command_class
    from django.utils import translation

    ours = {name: app for name, app in get_commands().items() if app.startswith("tongxin.")}
    assert "serve" in ours
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for name, app in ours.items():
                text = load_command_class(app, name).create_parser("manage.py", name).format_help()
                # The demo's own command is data tooling, not translated (see _skipped).
                if language == "en" and app != "tongxin.demo":
                    assert not HAN.search(text), (name, text)
