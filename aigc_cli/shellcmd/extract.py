"""A model's answer reduced to the bare command: no fences, no prose, no prompts.

Models asked for "only the command" still wrap it in a Markdown fence, put
"Here is the command:" above it, prefix it with ``$ `` or explain it after.
What is left must be exactly what would be typed, because it is what runs,
what ``aigc cmd | sh`` pipes and what the shell key binding puts on the line.
Several lines stay together as one script.

The model's prose is never a command. Without a fence, a line counts only
if it reads as a command line and not as a sentence: "Here are the files."
and "The line of every .py file is the longest." are sentences (they end
like one, or are made of the little words sentences are made of, and start
with no program on PATH); "Sure! Here is the command: ls -la" gives
``ls -la``. No command line at all is an empty result, which ``aigc cmd``
reports instead of running or printing anything.
"""

from __future__ import annotations

import re
import shutil
import textwrap

# an opening fence (``` or ~~~, optional language), its body, and the same fence closing it
_FENCE = re.compile(
    r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[^\n`]*\n(?P<body>.*?)^[ \t]{0,3}(?P=fence)[`~]*[ \t]*$", re.S | re.M
)
_OPEN_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[^\n`]*\n", re.M)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_PROMPT = re.compile(r"^(\$|%|PS [^>]*>|>>>)\s")


def extract_command(answer: str, shell: str = "bash") -> str:
    """The command in ``answer`` for ``shell`` (empty when there is none)."""
    text = answer.replace("\r\n", "\n").strip()
    fenced = _FENCE.search(text)
    if fenced:
        body = fenced.group("body")
    elif _OPEN_FENCE.search(text):  # cut off before the closing fence
        body = text[_OPEN_FENCE.search(text).end() :]  # type: ignore[union-attr]
    else:
        body = _unfenced(text, shell)
    return _tidy(body)


def _unfenced(text: str, shell: str) -> str:
    """No fence: one inline code span (alone or inside a sentence), or the first run of command lines."""
    if len(text) > 1 and text[0] == text[-1] == "`" and "`" not in text[1:-1]:
        return text[1:-1]
    spans = _INLINE.findall(text)
    if "\n" not in text and len(spans) == 1 and (_is_prose(_INLINE.sub("", text)) or _sentence(_INLINE.sub("", text))):
        return spans[0]
    lines = text.split("\n")
    prompted = next((i for i, line in enumerate(lines) if _PROMPT.match(line.lstrip())), None)
    if prompted is not None:  # a session transcript: ``_tidy`` keeps the prompted lines
        return "\n".join(lines[prompted:])
    kept: list[str] = []
    for raw in lines:
        line = raw
        if kept and kept[-1].endswith("\\"):
            kept.append(raw)  # a continued command line
            continue
        if not line.strip():
            if kept:
                break
            continue
        command = _command_line(line, shell)
        if command is not None:
            kept.append(command if not kept else raw)
        elif kept:
            break  # the explanation after the command
    return "\n".join(kept)


def _command_line(line: str, shell: str) -> str | None:
    """The command in one line: the whole line, the part after a lead-in ("Here it is: ls"), or None."""
    if not _sentence(line):
        return line
    lead, colon, rest = line.partition(": ")
    if colon and rest.strip() and not _sentence(rest) and _sentence(lead + "."):
        return rest.strip()
    return None


def _is_prose(text: str) -> bool:
    """Words of a sentence rather than a command line (three words, no shell operators)."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    return len(words) >= 3 and not re.search(r"[|;&<>$]", text)


# the little words sentences are made of, and commands almost never are
_FUNCTION_WORDS = {
    "the",
    "a",
    "an",
    "is",
    "are",
    "was",
    "were",
    "be",
    "of",
    "to",
    "you",
    "your",
    "this",
    "that",
    "these",
    "those",
    "here",
    "there",
    "it",
    "its",
    "will",
    "can",
    "could",
    "would",
    "should",
    "and",
    "but",
    "for",
    "with",
    "on",
    "at",
    "as",
    "by",
    "from",
    "than",
    "which",
    "what",
    "how",
    "i",
    "we",
    "me",
    "my",
    "our",
    "sure",
    "please",
    "following",
    "asked",
    "use",
    "run",
    "longest",
    "files",
}
_BUILTINS = {
    "cd",
    "echo",
    "printf",
    "export",
    "source",
    ".",
    "eval",
    "set",
    "unset",
    "alias",
    "exit",
    "test",
    "[",
    "[[",
    "time",
    "function",
    "for",
    "while",
    "until",
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "do",
    "done",
    "case",
    "esac",
    "read",
    "ulimit",
    "umask",
    "type",
    "wait",
    "kill",
    "exec",
    "trap",
    "shift",
    "return",
    "local",
    "declare",
    "pushd",
    "popd",
    "history",
    "jobs",
    "fg",
    "bg",
    "builtin",
    "command",
    "begin",
    "end",
    "and",
    "or",
    "not",
    "set_color",
    "functions",
    "{",
    "}",
    "(",
    ")",
    "!",
}


def _known_program(word: str) -> bool:
    """A word that starts a command: a builtin or keyword, a path, an assignment, a cmdlet, a program on PATH."""
    if word in _BUILTINS or "/" in word or word.startswith(("$", "~")) or re.fullmatch(r"\w+=.*", word):
        return True
    if re.fullmatch(r"[A-Z][a-z]+-[A-Z]\w+", word):  # PowerShell's Verb-Noun
        return True
    return bool(re.fullmatch(r"[\w.+-]+", word)) and shutil.which(word) is not None


def _sentence(line: str) -> bool:
    """A line of prose: it ends like a sentence, or is made of sentence words, and starts with no known program."""
    stripped = line.strip()
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", " ", stripped)
    tokens = unquoted.split()
    if not tokens:
        return False
    bare = [t.strip(",.!?:;()").lower() for t in tokens]
    little = sum(b in _FUNCTION_WORDS for b in bare)
    ends = bool(re.search(r"[^\W\d_][.!?]$", stripped)) and not re.search(r"[|;&<>$=]", unquoted)
    if _known_program(tokens[0]):
        return (ends and little >= 1) or little >= 3
    words = [t for t in tokens if re.fullmatch(r"[^\W\d_]+[,.!?:;]?", t)]
    capital = tokens[0][:1].isupper() and tokens[0].isalpha() and len(words) >= 3
    return ends or little >= 2 or capital or ("'" in stripped and stripped.count("'") % 2 == 1)


def _tidy(body: str) -> str:
    """Drop shell prompts (``$ ls``) and the output lines shown after them; trim."""
    lines = [line.rstrip() for line in body.split("\n")]
    if lines and _PROMPT.match(lines[0].lstrip()):
        kept = []
        for line in lines:
            m = _PROMPT.match(line.lstrip())
            if m:
                kept.append(line.lstrip()[m.end() :])
            elif kept and kept[-1].endswith("\\"):
                kept.append(line)  # a continued command line
        lines = kept
    return textwrap.dedent("\n".join(lines)).strip("\n").strip()
