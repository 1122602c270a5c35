"""Knowledge-base retrieval quality: recall@5 on questions over text this project did not write.

    python bench/kb_quality.py              # keyword-only and hybrid (fixture embeddings)
    python bench/kb_quality.py --local      # hybrid with the bundled GGUF's embeddings too

The corpus is assembled from this machine: the package descriptions
(``*.dist-info/METADATA``, i.e. the READMEs) of the installed Python
packages, fabric's pattern folder from ../shared/corpus (225 prompt files),
and Chinese: GnuPG's zh_CN help, systemd's zh_CN message catalog, Vim's
Chinese tutor (traditional characters) and the zh_CN man pages (rendered
with ``man -l``). Each question names the file that answers it (and, in a
long file, the lines); a question counts as recalled when one of the top 5
passages is from that file (and overlaps those lines). ``exact`` questions
use the answer's own distinctive term, ``paraphrase`` ones avoid it.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SITE = Path(os.__file__).parent / "site-packages"
FABRIC = next((p / "shared" / "corpus" / "fabric_patterns" for p in (ROOT.parent, ROOT.parent.parent)
               if (p / "shared" / "corpus" / "fabric_patterns").is_dir()), ROOT.parent / "shared")

# (question, kind, answer path suffix or suffixes, optional (first, last) line of the answer)
QUESTIONS: list[tuple[str, str, tuple[str, ...], tuple[int, int] | None]] = [
    ("how do I call load_dotenv to read a .env file", "exact", ("packages/python_dotenv.md",), None),
    ("tqdm trange shortcut", "exact", ("packages/tqdm.md",), None),
    ("orjson OPT_INDENT_2 pretty printing", "exact", ("packages/orjson.md",), None),
    ("SortedList SortedDict SortedSet", "exact", ("packages/sortedcontainers.md",), None),
    ("xmltodict unparse back to XML", "exact", ("packages/xmltodict.md",), None),
    ("diskcache FanoutCache sharding", "exact", ("packages/diskcache.md",), None),
    ("responses.add to register a mocked URL", "exact", ("packages/responses.md",), None),
    ("charset_normalizer from_bytes best guess", "exact", ("packages/charset_normalizer.md",), None),
    ("colorama autoreset init", "exact", ("packages/colorama.md",), None),
    ("benchmark.pedantic rounds and iterations", "exact", ("packages/pytest_benchmark.md",), None),
    ("EventSourceResponse server-sent events for starlette", "exact", ("packages/sse_starlette.md",), None),
    ("moto mock_aws decorator", "exact", ("packages/moto.md",), None),
    ("STRIDE threat model", "exact", ("create_stride_threat_model/system.md",), None),
    ("semgrep rule", "exact", ("write_semgrep_rule/system.md",), None),
    ("nuclei template rule", "exact", ("write_nuclei_template_rule/system.md",), None),
    ("sigma rules from a threat report", "exact", ("create_sigma_rules/system.md",), None),
    ("show a progress meter while my loop runs", "paraphrase", ("packages/tqdm.md",), None),
    ("fastest JSON serializer written in Rust", "paraphrase", ("packages/orjson.md",), None),
    ("guess which text encoding an unknown file uses", "paraphrase", ("packages/charset_normalizer.md",), None),
    ("keep items ordered while inserting into a list", "paraphrase", ("packages/sortedcontainers.md",), None),
    ("coloured terminal output that also works on MS Windows", "paraphrase", ("packages/colorama.md",), None),
    ("fake HTTP replies in unit tests for code using requests", "paraphrase", ("packages/responses.md",), None),
    ("how wide a unicode string is when printed in a terminal", "paraphrase", ("packages/wcwidth.md",), None),
    ("turn a diff into a commit message", "paraphrase",
     ("create_git_diff_commit/system.md", "summarize_git_diff/system.md", "summarize_git_changes/system.md"), None),
    ("make study cards to memorise a text", "paraphrase", ("to_flashcards/system.md", "create_flash_cards/system.md"), None),
    ("a cache stored on disk instead of memcached", "paraphrase", ("packages/diskcache.md",), None),
    ("信任网络", "exact", ("zh/help.zh_CN.txt",), (20, 29)),
    ("DSA 数字签名算法", "exact", ("zh/help.zh_CN.txt",), (38, 50)),
    ("核心已转储", "exact", ("zh/systemd.zh_CN.catalog",), (51, 59)),
    ("更改登录 shell", "exact", ("zh/man/chsh.1.txt",), None),
    ("批量更新密码", "exact", ("zh/man/chpasswd.8.txt",), None),
    ("撤消最後執行的命令", "exact", ("zh/tutor.zh.txt",), (242, 286)),
    ("怎样删除一个用户账户", "paraphrase", ("zh/man/userdel.8.txt",), None),
    ("怎么修改我的密码", "paraphrase", ("zh/man/passwd.1.txt",), None),
    ("查看用户最近一次什么时候登录", "paraphrase", ("zh/man/lastlog.8.txt",), None),
    ("系统开机花了多少时间", "paraphrase", ("zh/systemd.zh_CN.catalog",), (109, 122)),
    ("怎樣不保存修改就離開編輯器", "paraphrase", ("zh/tutor.zh.txt",), (47, 72)),
    ("如何替換一行中的文字", "paraphrase", ("zh/tutor.zh.txt",), (472, 492)),
    # short Chinese queries whose words the answer holds apart (泡茶 vs 怎么泡绿茶): no shared character pair
    ("删组", "chars", ("zh/man/groupdel.8.txt",), None),
    ("删用户", "chars", ("zh/man/userdel.8.txt",), None),
    ("新建组", "chars", ("zh/man/groupadd.8.txt",), None),
    ("拒登录", "chars", ("zh/man/nologin.8.txt",), None),
    ("改真名", "chars", ("zh/man/chfn.1.txt",), None),
]


def build_corpus(dest: Path) -> int:
    """Copy (never edit) the third-party texts into ``dest``; returns the number of files."""
    pkgs = dest / "packages"
    pkgs.mkdir(parents=True)
    for meta in glob.glob(str(SITE / "*.dist-info" / "METADATA")):
        name = Path(meta).parent.name.split("-")[0].lower()
        if name != "aigc_cli":
            shutil.copyfile(meta, pkgs / f"{name}.md")
    if FABRIC.is_dir():
        shutil.copytree(FABRIC, dest / "fabric")
    zh = dest / "zh"
    (zh / "man").mkdir(parents=True)
    for src, name in [("/usr/share/gnupg/help.zh_CN.txt", "help.zh_CN.txt"),
                      ("/usr/lib/systemd/catalog/systemd.zh_CN.catalog", "systemd.zh_CN.catalog"),
                      ("/usr/share/vim/vim90/tutor/tutor.zh.utf-8", "tutor.zh.txt")]:
        if os.path.exists(src):
            shutil.copyfile(src, zh / name)
    env = {**os.environ, "MANWIDTH": "100", "LANG": "C.UTF-8"}
    for page in glob.glob("/usr/share/man/zh_CN/man*/*.gz"):
        out = subprocess.run(["man", "-l", page], capture_output=True, env=env).stdout
        text = subprocess.run(["col", "-b"], input=out, capture_output=True).stdout
        (zh / "man" / (Path(page).name[:-3] + ".txt")).write_bytes(text)
    return sum(1 for p in dest.rglob("*") if p.is_file())


def recalled(hits, answers: tuple[str, ...], span: tuple[int, int] | None) -> bool:
    for h in hits[:5]:
        if any(h.path.endswith(a) for a in answers):
            if span is None or (h.start_line <= span[1] and h.end_line >= span[0]):
                return True
    return False


def evaluate(kb, embed_query) -> dict[str, list[bool]]:
    from aigc_cli.kb import retrieve

    out: dict[str, list[bool]] = {}
    for q, kind, answers, span in QUESTIONS:
        hits = retrieve.search(kb, q, 5, embed_query)
        ok = recalled(hits, answers, span)
        lang = "zh" if any("\u4e00" <= c <= "\u9fff" for c in q) else "en"
        out.setdefault(f"{kind}/{lang}", []).append(ok)
        out.setdefault("all", []).append(ok)
        if not ok:
            print(f"  miss ({'hybrid' if embed_query else 'keyword'}): {q}", file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--local", action="store_true", help="also embed with the bundled GGUF (slow)")
    ap.add_argument("--keyword-only", action="store_true", help="only the keyword-only base (no embeddings)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    os.environ["AIGC_HOME"] = str(tmp / "home")
    (tmp / "home").mkdir()
    n_files = build_corpus(tmp / "corpus")

    from aigc_cli.kb import embed, sync
    from aigc_cli.kb.index import KnowledgeBase
    from tests.fixtures.openai_server import FakeOpenAI

    results = {}
    kb = KnowledgeBase.open("plain", create=True)
    kb.add_root(str(tmp / "corpus"))
    report = sync.sync(kb)
    results["keyword-only"] = evaluate(kb, None)
    fake = FakeOpenAI()
    os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="sk-test-fixture")
    from aigc_cli.config import load_settings

    modes = [] if args.keyword_only else [("hybrid, fixture embeddings (hashed character trigrams)", "openai", "fixture")]
    if args.local:
        from aigc_cli.backends.gguf import bundled_model

        modes.append(("hybrid, bundled Gemma 3 270M GGUF embeddings (mean-pooled)", "local", str(bundled_model())))
    for label, backend, model in modes:
        base = KnowledgeBase.open(f"h-{backend}", create=True)
        embed.configure(base, model, backend)
        base.close()
        base = KnowledgeBase.open(f"h-{backend}")
        base.add_root(str(tmp / "corpus"))
        t = time.monotonic()
        sync.sync(base, embed.embedder(base, load_settings()))
        print(f"{label}: embedded in {time.monotonic() - t:.0f} s", file=sys.stderr)
        results[label] = evaluate(base, embed.query_embedder(base, load_settings()))
    fake.stop()
    cats = ["exact/en", "exact/zh", "paraphrase/en", "paraphrase/zh", "chars/zh", "all"]
    print(f"## Knowledge-base retrieval quality (bench/kb_quality.py, {time.strftime('%Y-%m-%d')})\n")
    print(f"{len(QUESTIONS)} questions over {n_files} files ({report.chunks} passages) this project did not write: "
          "installed packages' READMEs, fabric's patterns, GnuPG/systemd/Vim/man-page Chinese texts. "
          "recall@5 = the answering file (and lines) among the top 5 passages.\n")
    print("| mode | " + " | ".join(cats) + " |\n|---|" + "---|" * len(cats))
    for label, res in results.items():
        cells = [f"{sum(res[c]) / len(res[c]):.2f} ({sum(res[c])}/{len(res[c])})" for c in cats]
        print(f"| {label} | " + " | ".join(cells) + " |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
