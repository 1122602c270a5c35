"""MCP servers as tools (issue #21): real servers from PyPI and the SDK's own MCPServer.

Each `aigc` run starts its servers for real (stdio subprocesses or a
streamable-HTTP server on loopback); the loopback OpenAI server plays the
model and sends the calls.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Aigc
from tests.fixtures.openai_server import FakeOpenAI, Reply
from tests.fixtures.openai_tools import Call, ToolReply, tool_messages
from tests.test_tools import HOSTILE, _calls, _no_tty, _Pages, pages  # noqa: F401 - the pages fixture

SERVERS = str(Path(__file__).parent / "fixtures" / "mcp_servers.py")
SLOW = 240  # a loaded 2-core machine takes seconds just to import the SDK in each server


def test_mcp_server_time_over_stdio(aigc_api: Aigc, fake: FakeOpenAI) -> None:
    assert (
        aigc_api("mcp", "add", "time", "--", sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC").code
        == 0
    )
    fake.push(ToolReply([Call("get_current_time", {"timezone": "Asia/Tokyo"})]), Reply(text="It is evening in Tokyo."))
    r = aigc_api("ask", "-T", "time", "what time is it in Tokyo?", timeout=SLOW)
    assert r.code == 0, r.err
    assert r.out.strip() == "It is evening in Tokyo."
    names = sorted(t["function"]["name"] for t in fake.chat_requests[0]["json"]["tools"])
    assert names == ["convert_time", "get_current_time"]
    result = json.loads(tool_messages(fake.chat_requests[1])[0]["content"])
    assert result["timezone"] == "Asia/Tokyo" and result["datetime"].endswith("+09:00")


def test_mcp_server_fetch_reads_a_loopback_page(aigc_api: Aigc, fake: FakeOpenAI, pages) -> None:  # noqa: F811
    _Pages.pages["/article"] = (
        "<html><body><article><h1>Otters</h1><p>Otters hold hands while they sleep so they do not drift apart.</p></article></body></html>"
    )
    url = f"http://127.0.0.1:{pages.server_address[1]}/article"
    assert (
        aigc_api(
            "mcp",
            "add",
            "web",
            "--",
            sys.executable,
            "-m",
            "mcp_server_fetch",
            "--ignore-robots-txt",
            "--allow-private-ips",
        ).code
        == 0
    )
    assert aigc_api("config", "set", "tools.web.policy", "allow").code == 0
    fake.push(ToolReply([Call("fetch", {"url": url})]), Reply(text="They hold hands."))
    r = aigc_api("ask", "-T", "web", "why do otters hold hands? " + url, timeout=SLOW)
    assert r.code == 0, r.err
    content = tool_messages(fake.chat_requests[1])[0]["content"]
    assert "hold hands while they sleep" in content, content


def test_stdio_server_errors_huge_results_refusal_and_a_crash_mid_call(
    aigc_api: Aigc, fake: FakeOpenAI, home: Path
) -> None:
    assert aigc_api("mcp", "add", "t", "--", sys.executable, SERVERS, "stdio").code == 0
    assert aigc_api("config", "set", "tools.result_tokens", "200").code == 0
    fake.push(
        ToolReply([Call("echo", {"text": "hi"}), Call("boom", {}), Call("huge", {}), Call("note", {"text": "x"})]),
        ToolReply([Call("crash", {})]),
        ToolReply([Call("echo", {"text": "still there?"})]),
        Reply(text="Done despite everything."),
    )
    r = _no_tty(aigc_api, "ask", "-T", "t", "go")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Done despite everything."
    echo, boom, huge, note = (m["content"] for m in tool_messages(fake.chat_requests[1]))
    assert echo == "echo: hi"
    assert boom.startswith("error:") and "boom" in boom  # the server reports its own failure
    assert "[cut by aigc" in huge and len(huge) < 2000
    assert note.startswith("error: refused") and "no terminal" in note  # no readOnlyHint: ask
    crash = tool_messages(fake.chat_requests[2])[-1]["content"]
    assert crash.startswith("error:") and "'t'" in crash
    after = tool_messages(fake.chat_requests[3])[-1]["content"]
    assert after.startswith("error:")  # the dead server's tools fail; the turn went on
    assert "Traceback" not in r.stderr
    assert [c[-1] for c in _calls(home)][:4] == ["allowed", "allowed", "allowed", "refused"]


def test_a_hanging_call_times_out_and_a_dead_or_hung_server_is_one_line(aigc_api: Aigc, fake: FakeOpenAI) -> None:
    assert aigc_api("mcp", "add", "t", "--", sys.executable, SERVERS, "stdio").code == 0
    assert aigc_api("mcp", "add", "gone", "--", "/nonexistent/mcp-server").code == 0
    assert (
        aigc_api("mcp", "add", "mute", "--env", "MCP_TEST_HANG_INIT=1", "--", sys.executable, SERVERS, "stdio").code
        == 0
    )
    assert aigc_api("config", "set", "tools.timeout", "25").code == 0
    fake.push(ToolReply([Call("hang", {})]), Reply(text="It hung."))
    t0 = time.monotonic()
    r = aigc_api("ask", "-T", "t", "-T", "gone", "-T", "mute", "go", timeout=SLOW)
    assert r.code == 0, r.err
    assert r.out.strip() == "It hung."
    assert "timed out" in tool_messages(fake.chat_requests[1])[0]["content"]
    lines = [ln for ln in r.err.splitlines() if "MCP server" in ln]
    assert any("'gone'" in ln and "command not found" in ln for ln in lines), r.err
    assert any("'mute'" in ln and "25 s" in ln for ln in lines), r.err
    assert time.monotonic() - t0 < 150


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server() -> str:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, SERVERS, "http", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(timeout=10)


def test_a_streamable_http_server(aigc_api: Aigc, fake: FakeOpenAI, http_server: str) -> None:
    assert aigc_api("mcp", "add", "remote", "--url", http_server, "--header", "X-Test=1").code == 0
    listed = json.loads(aigc_api("mcp", "list", "--json", "--check", timeout=SLOW).out)
    assert listed[0]["ok"] and "echo" in listed[0]["tools"]
    fake.push(ToolReply([Call("echo", {"text": "over http"})]), Reply(text="ok"))
    r = aigc_api("ask", "-T", "remote:echo", "go", timeout=SLOW)
    assert r.code == 0, r.err
    assert [t["function"]["name"] for t in fake.chat_requests[0]["json"]["tools"]] == ["echo"]
    assert tool_messages(fake.chat_requests[1])[0]["content"] == "echo: over http"


def test_mcp_import_of_real_config_files(aigc_api: Aigc, tmp_path: Path) -> None:
    src = tmp_path / "claude_desktop_config.json"
    src.write_text("""{
      // Claude Desktop keeps comments
      "$schema": "https://example.invalid/schema.json",
      "mcpServers": {
        "_option1": {"command": "docker", "args": ["mcp", "gateway", "run"]},
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x"}},
        "remote": {"url": "https://example.invalid/mcp", "headers": {"Authorization": "Bearer t"}},
        "broken": {"args": ["no command"]},
      },
      "preferences": {"sidebarMode": "task"}
    }""")
    r = aigc_api("mcp", "import", str(src))
    assert r.code == 0, r.err
    assert r.out.split() == ["added", "github", "added", "remote"]
    assert "_option1" in r.err and "broken" in r.err
    saved = json.loads((aigc_api.home / "mcp.json").read_text())
    assert saved["mcpServers"]["github"]["env"] == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x"}
    assert (aigc_api.home / "mcp.json").stat().st_mode & 0o077 == 0  # it holds tokens
    listed = json.loads(aigc_api("tools", "list", "--json").out)
    assert {"github", "remote", "now", "shell"} <= {t["name"] for t in listed}
    assert aigc_api("mcp", "rm", "github").code == 0
    assert aigc_api("mcp", "rm", "github").code == 2


def test_mcp_serve_driven_by_the_sdk_client(aigc: Aigc) -> None:
    """`aigc mcp serve` as any MCP client sees it: tools with annotations, memories, recipes as prompts."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from tests.conftest import AIGC

    assert aigc("memory", "add", "I prefer metric units").code == 0

    async def drive() -> dict:
        params = StdioServerParameters(command=AIGC, args=["mcp", "serve"], env=aigc.env)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            tools = {t.name: t for t in (await s.list_tools()).tools}
            listed = await s.call_tool("memory_list", {})
            added = await s.call_tool("remember", {"text": "My cat is called Miso"})
            after = await s.call_tool("memory_list", {})
            prompts = {p.name: p for p in (await s.list_prompts()).prompts}
            got = await s.get_prompt("summarize", {"input": "A long text about otters."})
            return {"tools": tools, "listed": listed, "added": added, "after": after, "prompts": prompts, "got": got}

    out = asyncio.run(asyncio.wait_for(drive(), SLOW))
    assert set(out["tools"]) == {"kb_search", "memory_list", "remember"}
    assert out["tools"]["memory_list"].annotations.read_only_hint is True
    assert out["tools"]["remember"].annotations.read_only_hint is False
    assert "I prefer metric units" in out["listed"].content[0].text
    assert "Miso" in out["after"].content[0].text
    assert {"ask", "summarize", "write"} <= set(out["prompts"])
    assert "input" in [a.name for a in out["prompts"]["summarize"].arguments]
    assert "otters" in out["got"].messages[0].content.text
    remembered = aigc("memory", "list")
    assert "Miso" in remembered.out
