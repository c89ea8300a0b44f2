"""`impact serve` without a browser: the service answers from the library, the app's safety rules
(slugs, caps, one line per problem, failures stay in their request), and the command's exits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import impact
from impact.analysis.summaries import TOTAL
from impact.cli import main
from impact.reports.format import format_usd
from impact.reports.headline import headline
from impact.reports.labels import METRIC_LABELS
from impact.web.limits import MAX_TRIALS, Cancelled
from impact.web.service import Service, upload_problems

starlette = pytest.importorskip("starlette", reason="the web extra is not installed")
from starlette.testclient import TestClient  # noqa: E402

from impact.web.app import MAX_BODY_BYTES, create_app  # noqa: E402

BAD_TOML = '[outage]\nhours = "triangular(300, 100, 500)"\nsevrity = 0.5\n'


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Service(tmp_path)), raise_server_exceptions=False)


def test_whatif_headline_is_the_librarys(client: TestClient) -> None:
    answer = client.post(
        "/api/whatif",
        json={"scenario": "meta-2024", "specs": {"outage.hours": "10"}, "trials": 5000},
    )
    assert answer.status_code == 200, answer.text
    scenario = impact.load_scenario("meta-2024").with_overrides({"outage.hours": "10"})
    result = impact.simulate(scenario, 5000, rng=20260125)
    assert answer.json()["headline"] == headline(scenario.label, result.summary)


def test_a_bad_spec_is_one_line_naming_the_key(client: TestClient) -> None:
    specs = {"outage.hours": "triangular(300, 100, 500)", "outage.severity": "2"}
    answer = client.post("/api/whatif", json={"scenario": "meta-2024", "specs": specs})
    assert answer.status_code == 400
    lines = answer.json()["errors"]
    assert len(lines) == 2
    assert lines[0].startswith("outage.hours: triangular(300, 100, 500):")
    assert lines[1].startswith("outage.severity:")


@pytest.mark.parametrize("ref", ["../data/scenarios/meta-2024", "/etc/passwd", "meta-2024.toml"])
def test_no_path_is_reachable(client: TestClient, ref: str) -> None:
    answer = client.post("/api/whatif", json={"scenario": ref, "specs": {}, "trials": 5000})
    assert answer.status_code == 400
    assert "not a built-in scenario" in answer.json()["errors"][0]
    assert client.get("/static/..%2Fservice.py").status_code == 404


def test_uploads_are_parsed_in_memory_with_every_problem(client: TestClient) -> None:
    answer = client.post("/api/upload", files={"file": ("mine.toml", BAD_TOML.encode())})
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert any("outage.hours" in e and "mode must lie" in e for e in errors)
    assert any("sevrity" in e for e in errors)
    assert upload_problems('[outage]\nhours = "empirical(/etc/passwd:x)"\n')[0].count("empirical")


def test_an_upload_can_be_simulated(client: TestClient) -> None:
    text = '[outage]\nhours = 24\n[revenue]\nhourly_loss = "1M"\n'
    uploaded = client.post("/api/upload", files={"file": ("mine.toml", text.encode())}).json()
    answer = client.post("/api/whatif", json={"scenario": uploaded["id"], "trials": 2000})
    assert answer.status_code == 200


def test_caps_have_clear_messages(client: TestClient) -> None:
    too_many = client.post("/api/whatif", json={"scenario": "meta-2024", "trials": MAX_TRIALS + 1})
    assert too_many.status_code == 400
    assert "1,000 to 1,000,000" in too_many.json()["errors"][0]
    big = client.post("/api/whatif", content=b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert big.status_code == 400
    assert "bytes" in big.json()["errors"][0]


def test_a_failing_request_leaves_the_server_up(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Service, "whatif", boom)
    assert client.post("/api/whatif", json={"scenario": "meta-2024"}).status_code == 500
    assert client.get("/api/meta").status_code == 200


def test_pin_compare_and_downloads(client: TestClient) -> None:
    first = client.post("/api/whatif", json={"scenario": "meta-2024", "trials": 2000}).json()
    second = client.post(
        "/api/whatif",
        json={"scenario": "meta-2024", "specs": {"outage.hours": "1"}, "trials": 2000},
    ).json()
    paired = client.post("/api/compare", json={"pinned": first["run"], "current": second["run"]})
    assert paired.status_code == 200, paired.text
    assert "Common random numbers" in paired.json()["headline"]
    assert "Total revenue loss" in [row[0] for row in paired.json()["rows"]]  # labels, not columns
    archive = client.get(f"/download/{second['run']}/report.zip")
    assert archive.status_code == 200
    assert archive.content[:2] == b"PK"
    samples = client.get(f"/download/{second['run']}/samples.csv")
    assert samples.status_code == 200
    assert len(samples.text.splitlines()) == 2001


def test_a_newer_request_cancels_an_older_one(tmp_path: Path) -> None:
    service = Service(tmp_path)
    outcome: dict[str, object] = {}

    def older() -> None:
        try:
            outcome["older"] = service.whatif("meta-2024", {}, 1_000_000)
        except Cancelled as exc:
            outcome["older"] = exc

    thread = threading.Thread(target=older)
    started = time.perf_counter()
    thread.start()
    time.sleep(0.3)
    newer = service.whatif("meta-2024", {"outage.hours": "2"}, 2_000)
    thread.join()
    assert isinstance(outcome["older"], Cancelled)
    assert newer["trials"] == 2_000
    assert list(service.runs) == [newer["run"]]  # the cancelled run left nothing behind
    assert time.perf_counter() - started < 30


def test_serve_without_the_extra_exits_2_with_the_install_line(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import impact.cli.serve as serve

    monkeypatch.setattr(serve, "find_spec", lambda name: None)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == 'error: impact serve needs the web extra: pip install "impact[web]"'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`impact serve` in a process of its own, its temporary folders in `tmp_path`, once it
    accepts connections: the process and its URL. Killed at the end if it still runs."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "impact", "serve", "--port", str(port)],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_ctrl_c_stops_it_with_130_and_no_temporary_folder(tmp_path: Path) -> None:
    with _serving(tmp_path) as (proc, _url):
        assert list(tmp_path.glob("impact-serve-*"))
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not list(tmp_path.glob("impact-serve-*"))


def test_another_host_prints_one_warning(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import impact.web.app as app

    monkeypatch.setattr(app, "serve", lambda host, port: None)
    assert main(["serve", "--host", "0.0.0.0"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("warning: --host 0.0.0.0")


def test_annual_figures_carry_their_monte_carlo_intervals(tmp_path: Path) -> None:
    from impact.analysis.backtest import exact_binomial_interval
    from impact.reports.format import format_usd
    from impact.simulation.annual import ANNUAL_LOSS, simulate_annual
    from impact.web.service import ANNUAL_YEARS

    view = Service(tmp_path).annual("meta-2024", {"outage.hours": "3"})
    scenario = impact.load_scenario("meta-2024").with_overrides({"outage.hours": "3"})
    result = simulate_annual(scenario, ANNUAL_YEARS, 20260125)
    sketch = result.sketches[ANNUAL_LOSS]
    mean, p99 = view["rows"][0][1], view["rows"][0][4]
    assert mean == {
        "value": format_usd(sketch.average),
        "interval": f"± {format_usd(1.959963984540054 * sketch.se_mean)}",
    }
    lo, hi = sketch.quantile_interval(0.99)
    assert lo <= sketch.quantile(0.99) <= hi
    assert p99 == {
        "value": format_usd(sketch.quantile(0.99)),
        "interval": f"{format_usd(lo)}–{format_usd(hi)}",
    }
    k = result.years_with_outage
    low, high = exact_binomial_interval(k, ANNUAL_YEARS)
    assert view["precision"].startswith(
        f"{ANNUAL_YEARS:,} simulated years. Years with at least one outage: {k / ANNUAL_YEARS:.1%} "
        f"(95% interval {low:.1%}–{high:.1%})."
    )
    assert view["headline"].startswith("Meta, ") or "a year" in view["headline"]
    assert not view["headline"].startswith(">")


def test_resilience_answers_over_the_measured_futures(tmp_path: Path) -> None:
    from impact.web.service import RESILIENCE_FUTURES

    view = Service(tmp_path).resilience("single-site", "active-active")
    direct = impact.resilience("single-site", "active-active", RESILIENCE_FUTURES, 20260125)
    npv = direct.summary.loc["npv_usd"]
    rows = {row[0]: row[1] for row in view["rows"]}
    assert rows["Net present value over 5 years (NPV)"]["value"] == format_usd(float(npv["mean"]))
    assert view["precision"].startswith(f"{RESILIENCE_FUTURES:,} simulated futures of 5 years")
    # What the NPV is made of: the pair's own figures, in rows a reader can add up.
    pair = direct.pairs[0]
    n = RESILIENCE_FUTURES
    avoided, one_off, yearly = (
        pair.pv_avoided_sum / n,
        pair.one_off_sum / n,
        pair.running_pv_sum / n,
    )
    assert avoided - one_off - yearly == pytest.approx(float(npv["mean"]), rel=1e-9)
    assert rows["Losses avoided over 5 years, discounted"]["value"] == format_usd(avoided)
    one_off_row = "Extra one-off cost (assumed: pert(100M, 300M, 600M) against 0)"
    assert rows[one_off_row]["value"] == format_usd(one_off)
    yearly_row = (
        "Extra yearly costs over 5 years, discounted (assumed a year: pert(500M, 900M, 1.5B) "
        "against 0)"
    )
    assert rows[yearly_row]["value"] == format_usd(yearly)
    ranking = direct.ranking.set_index("design").loc["active-active"]
    assumed = rows["All-in extra cost a year, assumed (one-off spread over the years)"]
    assert assumed["value"] == format_usd(float(ranking["cost_per_year_usd"]))
    even = rows["All-in extra cost a year at which it breaks even"]
    assert even["value"] == format_usd(float(ranking["break_even_per_year_usd"]))


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as exc:
            outcome["value"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_for_progress(service: Service, channel: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        p = service.progress().get(channel)
        if p and p["done"] > 0:
            return p
        time.sleep(0.05)
    raise AssertionError(f"no progress of {channel} within 60 s")


@pytest.mark.parametrize("channel", ["annual", "resilience"])
def test_a_newer_long_tab_request_cancels_the_older(tmp_path: Path, channel: str) -> None:
    from impact.web.service import ANNUAL_YEARS_LONG, RESILIENCE_FUTURES_LONG

    service = Service(tmp_path)
    if channel == "annual":
        older, newer = (
            (lambda: service.annual("meta-2024", {}, long=True)),
            (lambda: service.annual("meta-2024", {"outage.hours": "2"})),
        )
        total = ANNUAL_YEARS_LONG
    else:
        older, newer = (
            (lambda: service.resilience("single-site", "active-active", long=True)),
            (lambda: service.resilience("single-site", "active-active")),
        )
        total = RESILIENCE_FUTURES_LONG
    thread, outcome = _in_thread(older)
    progress = _wait_for_progress(service, channel)  # the long run reports its blocks
    assert progress["total"] == total
    assert 0 < progress["done"] < total
    answer = newer()
    thread.join(timeout=60)
    assert isinstance(outcome["value"], Cancelled)
    assert "long" in answer and answer["long"] is False
    assert service.progress() == {}


def test_a_what_if_does_not_wait_out_a_long_run_and_stop_cancels_it(tmp_path: Path) -> None:
    service = Service(tmp_path)
    service.whatif("meta-2024", {}, 2_000)  # imports and caches, out of the timing
    thread, outcome = _in_thread(lambda: service.annual("meta-2024", {}, long=True))
    _wait_for_progress(service, "annual")
    answer = service.whatif("meta-2024", {"outage.hours": "5"}, 2_000)
    assert answer["trials"] == 2_000
    assert thread.is_alive()  # the long run stepped aside between blocks and goes on
    service.cancel("annual")
    thread.join(timeout=60)
    assert isinstance(outcome["value"], Cancelled)


def test_progress_and_cancel_routes(client: TestClient) -> None:
    assert client.get("/api/progress").json() == {}
    bad = client.post("/api/cancel", json={"channel": "../etc"})
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        "channel: '../etc': one of whatif, compare, annual, resilience, samples"
    ]
    assert client.post("/api/cancel", json={"channel": "annual"}).json() == {"cancelled": True}


def test_the_annual_tab_says_which_settings_it_does_not_use(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import impact.web.service as service_module

    monkeypatch.setattr(service_module, "ANNUAL_YEARS", 5_000)
    service = Service(tmp_path)
    plain = service.annual("meta-2024", {})
    longer = service.annual("meta-2024", {"outage.hours": "400", "outage.severity": "1"})
    assert longer["rows"] == plain["rows"]  # future outages draw their own duration and severity
    assert [n.split(":")[0] for n in longer["notes"]] == ["Outage duration", "Severity"]
    assert "frequency.hours" in longer["notes"][0]
    richer = service.annual("meta-2024", {"revenue.hourly_loss": "100M"})
    assert richer["rows"][0][1] != plain["rows"][0][1]


def test_it_binds_this_machine_by_default_without_a_warning(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import impact.web.app as app

    bound: list[tuple[str, int]] = []
    monkeypatch.setattr(app, "serve", lambda host, port: bound.append((host, port)))
    assert main(["serve"]) == 0
    assert bound == [("127.0.0.1", 8765)]
    assert capsys.readouterr().err == ""


def test_an_upload_over_the_cap_is_one_clear_line(client: TestClient) -> None:
    from impact.web.limits import MAX_UPLOAD_BYTES

    big = b"# padding\n" * (MAX_UPLOAD_BYTES // 10 + 1)
    answer = client.post("/api/upload", files={"file": ("big.toml", big)})
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert len(errors) == 1
    assert f"{MAX_UPLOAD_BYTES // 1024} KiB" in errors[0]


def test_pin_and_compare_names_a_and_b_and_says_evidence_is_not_applied(
    client: TestClient,
) -> None:
    # tiktok-us-2026 has [evidence]: the what-if headline is conditioned on it, and says so.
    scenario = impact.load_scenario("tiktok-us-2026")
    assert scenario.evidence
    first = client.post("/api/whatif", json={"scenario": scenario.name, "trials": 2000}).json()
    assert first["conditioned"].startswith("Conditioned on the evidence")
    second = client.post(
        "/api/whatif",
        json={"scenario": scenario.name, "specs": {"outage.hours": "24"}, "trials": 2000},
    ).json()
    answer = client.post("/api/compare", json={"pinned": first["run"], "current": second["run"]})
    assert answer.status_code == 200, answer.text
    paired = answer.json()
    hours = scenario.specs["outage.hours"]
    assert paired["label_a"] == f"A: pinned {first['run']} (outage.hours = {hours})"
    assert paired["label_b"] == f"B: this run {second['run']} (outage.hours = 24)"
    assert scenario.label not in paired["headline"]  # A and B, not the same title twice
    assert "from the assumptions alone, evidence not applied" in paired["columns"][1]
    # The paired mean of A is the unconditioned one: the library's own run without evidence.
    alone = impact.simulate(scenario.without_evidence(), 2000, rng=Service(Path(".")).seed)
    total = next(r for r in paired["rows"] if r[0] == METRIC_LABELS[TOTAL])
    assert total[1] == format_usd(float(alone.summary.loc[TOTAL, "mean"]))


def test_a_scenario_without_evidence_has_no_conditioned_line(client: TestClient) -> None:
    assert not impact.load_scenario("meta-2024").evidence
    view = client.post("/api/whatif", json={"scenario": "meta-2024", "trials": 2000}).json()
    assert view["conditioned"] == ""


def test_meta_says_resilience_runs_over_its_base(client: TestClient) -> None:
    meta = client.get("/api/meta").json()
    assert meta["resilience_base"] == "tiktok-us-2026"
    label = impact.load_scenario("tiktok-us-2026").label
    assert meta["resilience_note"].startswith(f"Resilience always runs over {label}:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1e5", 100_000), ("100,000", 100_000), ("100k", 100_000), ("2e3", 2_000), (3000, 3_000)],
)
def test_trials_are_read_as_the_cli_reads_them(text: object, expected: int) -> None:
    assert Service.trials(text) == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("1e20", "trials: '1e20': at most 1,000,000,000 per run"),  # the CLI's ceiling
        ("abc", "trials: 'abc': not a number"),
        ("1.5", "trials: '1.5': must be a whole number"),
        ("2M", "trials: 2,000,000: give 1,000 to 1,000,000 on this page"),  # the page's cap
    ],
)
def test_bad_trials_are_one_line(client: TestClient, text: str, line: str) -> None:
    answer = client.post("/api/whatif", json={"scenario": "meta-2024", "trials": text})
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error.startswith(line), error


def test_the_cli_says_the_same_ceiling_for_1e20(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "meta-2024", "--trials", "1e20"]) == 2
    assert "at most 1,000,000,000" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        # nesting deep enough to exhaust Python's recursion: the CLI's own one-line refusal
        ([("file", ("deep.toml", b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n"))], "too deeply"),
        # two files where the form takes one: starlette's limit, as a 400 naming the upload
        (
            [("file", ("a.toml", b'name = "a"\n')), ("file", ("b.toml", b'name = "b"\n'))],
            "one scenario .toml file",
        ),
    ],
)
def test_a_bad_upload_is_a_400_in_one_line_not_an_internal_error(
    client: TestClient, files: list, needle: str
) -> None:
    answer = client.post("/api/upload", files=files)
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]  # named by the file, or by "upload" without one
    assert error.startswith(("upload", "deep.toml")) and needle in error, error


def test_an_upload_s_server_file_spec_names_its_dotted_key() -> None:
    # "hours" alone is ambiguous (outage.hours, frequency.hours): the whole key is named.
    text = '[outage]\nhours = 3\n[frequency]\nhours = "empirical(/etc/passwd:x)"\n'
    (problem,) = upload_problems(text)
    assert problem.startswith("upload: frequency.hours: empirical(...)"), problem


def test_a_busy_port_is_one_line_before_any_banner() -> None:
    # The socket is bound before the banner: a port in use (or a host that does not resolve)
    # is the one InputError line the CLI prints, with no banner and no uvicorn ERROR line.
    import socket

    from impact.exceptions import InputError
    from impact.web import app

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    said: list[str] = []
    try:
        with pytest.raises(InputError, match=r"--host/--port: 127\.0\.0\.1:\d+: cannot listen"):
            app.serve("127.0.0.1", busy.getsockname()[1], announce=said.append)
        with pytest.raises(InputError, match=r"--host: 'bad host': not an address"):
            app.serve("bad host", 8765, announce=said.append)
    finally:
        busy.close()
    assert said == []


@pytest.mark.parametrize(
    "spec", ["Empirical(/etc/hostname:zz)", "EMPIRICAL(/etc/hostname:zz)", "empirical\t(x.csv:c)"]
)
def test_no_spelling_of_empirical_reads_a_server_file(client: TestClient, spec: str) -> None:
    """The spec parser takes a family in any case, with spaces before the parenthesis: the
    upload's check took only `empirical(`, and the what-if's only lower case, so an upload of
    `Empirical(/etc/hostname:zz)` read the server's file and answered with its first line
    ("has no column 'zz'; columns are <the line>")."""
    toml_spec = spec.replace("\t", "\\t")  # a TOML escape
    text = f'[outage]\nhours = 24\n[revenue]\nhourly_loss = "{toml_spec}"\n'
    (problem,) = upload_problems(text)
    assert "reads a file on the server" in problem, problem
    answer = client.post(
        "/api/whatif",
        json={"scenario": "meta-2024", "specs": {"revenue.hourly_loss": spec}, "trials": 2000},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        f"revenue.hourly_loss: {spec}: empirical(...) reads a server file; not here"
    ]


@pytest.mark.parametrize("profile", ["SECRET", "sub", "SECRET\\n"])
def test_an_upload_s_profile_is_a_built_in_name_not_a_file(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    """`revenue.profile = "SECRET"` is a slug, but the library looks a name that is not built
    in up as a path from the working folder: a file there answered with its first line
    ("no 'weight' column in the header (<the line>)"), a folder with "file not found"."""
    (tmp_path / "SECRET").write_text("root-secret-token,abc\nline 2\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    text = f'[outage]\nhours = 24\n[revenue]\nhourly_loss = 1\nprofile = "{profile}"\n'
    answer = client.post("/api/upload", files={"file": ("mine.toml", text.encode())})
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert "root-secret-token" not in error and "not found" not in error, error
    assert error.startswith("mine.toml: revenue.profile: ") and "built-in profile" in error


def test_an_upload_may_name_a_built_in_profile(client: TestClient) -> None:
    text = '[outage]\nhours = 24\n[revenue]\nhourly_loss = 1\nprofile = "short-video-us"\n'
    answer = client.post("/api/upload", files={"file": ("mine.toml", text.encode())})
    assert answer.status_code == 200, answer.text


def test_a_page_of_another_site_cannot_post(client: TestClient) -> None:
    """A page on another site can POST to 127.0.0.1:8765 (a form, or `fetch` with no-cors: no
    preflight) and so start runs, upload, or stop the user's run; its browser names it in
    Origin. The page's own requests (same Origin, or none) are served."""
    body = {"channel": "whatif"}
    for origin in ("http://evil.example", "null", "http://localhost:3000"):
        answer = client.post("/api/cancel", json=body, headers={"Origin": origin})
        assert answer.status_code == 403, (origin, answer.text)
        (line,) = answer.json()["errors"]
        assert line.startswith(f"Origin: {origin!r}: a request from another site"), line
        upload = client.post(
            "/api/upload",
            files={"file": ("a.toml", b"[outage]\nhours = 1\n")},
            headers={"Origin": origin},
        )
        assert upload.status_code == 403
    assert client.post("/api/cancel", json=body).status_code == 200
    own = client.post("/api/cancel", json=body, headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    # A link from another site to the page still opens it.
    assert client.get("/", headers={"Origin": "http://evil.example"}).status_code == 200


def test_another_host_name_is_refused_dns_rebinding(tmp_path: Path) -> None:
    """A name an attacker points at 127.0.0.1 (DNS rebinding) makes its page same-origin with
    the server, so it could read every answer: the server answers only to the names it listens
    by (`serve` passes them; any name when it listens on 0.0.0.0)."""
    from impact.web.app import hosts_for

    app = create_app(Service(tmp_path), hosts=hosts_for("127.0.0.1"))
    for base in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"):
        assert TestClient(app, base_url=base).get("/api/progress").status_code == 200, base
    evil = TestClient(app, base_url="http://rebind.evil.example:8765")
    for answer in (evil.get("/api/meta"), evil.get("/"), evil.post("/api/cancel", json={})):
        assert answer.status_code == 403
        (line,) = answer.json()["errors"]
        assert line.startswith("Host: 'rebind.evil.example:8765': this server answers to")
    assert hosts_for("0.0.0.0") is None and "myhost" in (hosts_for("myhost") or ())


def test_stop_during_a_comparison_answers_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A comparison has no blocks to stop between: Stop answered {"cancelled": true} while the
    comparison ran on and answered in full; now it answers as cancelled (409)."""
    import impact.web.service as web_service

    service = Service(tmp_path)
    a = service.whatif("meta-2024", {}, 2000)["run"]
    b = service.whatif("meta-2024", {"outage.hours": "3"}, 2000)["run"]
    real = web_service.compare

    def stopped_meanwhile(*args: Any, **kwargs: Any) -> Any:
        service.cancel("compare")  # the Stop button, while the pair runs
        return real(*args, **kwargs)

    monkeypatch.setattr(web_service, "compare", stopped_meanwhile)
    with pytest.raises(Cancelled):
        service.compare(a, b)


def test_ctrl_c_cancels_a_long_run_and_names_no_temporary_folder(tmp_path: Path) -> None:
    """uvicorn waits for open requests before `run` returns, and the server cancelled its runs
    only then: a 500,000-year run went on to the end (200) before the server stopped. And after
    a download, Ctrl-C said 'interrupted after writing /tmp/impact-serve-…/run-1/report; its
    files are this run's, complete', a folder that was then removed."""
    import json
    import urllib.error
    import urllib.request

    statuses: list[int] = []
    with _serving(tmp_path) as (proc, url):

        def post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            request = urllib.request.Request(
                url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=120) as answer:
                    return answer.status, json.load(answer)
            except urllib.error.HTTPError as exc:
                return exc.code, json.load(exc)

        deadline = time.monotonic() + 30
        status, view = post("/api/whatif", {"scenario": "meta-2024", "trials": 1000})
        assert status == 200, view
        with urllib.request.urlopen(f"{url}/download/{view['run']}/report.zip") as answer:
            assert answer.read(2) == b"PK"
        body = {"scenario": "meta-2024", "long": True}
        long_run = threading.Thread(target=lambda: statuses.append(post("/api/annual", body)[0]))
        long_run.start()
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"{url}/api/progress") as answer:
                if json.load(answer).get("annual", {}).get("done"):
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
        long_run.join(timeout=60)
    assert proc.returncode == 130, err
    assert statuses == [409], err  # cancelled at its next block, not run to its end
    assert err.strip().splitlines()[-1] == "error: interrupted; no output file was changed", err
    assert not list(tmp_path.glob("impact-serve-*"))


def test_two_downloads_of_one_zip_at_once_are_the_same_whole_folder(tmp_path: Path) -> None:
    """Both downloads wrote the report folder at once, and each zipped what was there: archives
    of 13 to 38 files, some with the other writer's '.impact-tmp-…' files."""
    import io
    import zipfile

    app = create_app(Service(tmp_path))
    run = TestClient(app).post("/api/whatif", json={"scenario": "meta-2024", "trials": 2000})
    url = f"/download/{run.json()['run']}/report.zip"
    names: list[list[str]] = []

    def download() -> None:
        answer = TestClient(app).get(url)
        assert answer.status_code == 200, answer.text
        assert f"meta-2024-{run.json()['run']}.zip" in answer.headers["content-disposition"]
        names.append(sorted(zipfile.ZipFile(io.BytesIO(answer.content)).namelist()))

    threads = [threading.Thread(target=download) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(names) == 3 and names[0] == names[1] == names[2]
    assert "meta-2024/report.md" in names[0]
    assert not any(".impact-tmp" in n for n in names[0]), names[0]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        # nesting deep enough to exhaust Python's recursion, within the body cap: was a 500
        # ("internal error: RecursionError: maximum recursion depth exceeded …")
        (b"[" * 60_000, "request: JSON nested too deeply; not a request of this page"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "request: JSON nested too deeply"),
        # a spec over 200 characters was cut to its first 200 and run: here 2 hours, not 24
        (
            b'{"scenario": "meta-2024", "specs": {"outage.hours": "' + b" " * 199 + b'24"}}',
            "outage.hours: '          ",
        ),
        # a value that is not text or a number is named as sent, not as Python's str() of it
        (
            b'{"scenario": "meta-2024", "specs": {"outage.hours": true}}',
            "outage.hours: true: give a number or a spec as text",
        ),
    ],
)
def test_odd_json_is_a_400_in_one_line(client: TestClient, body: bytes, line: str) -> None:
    answer = client.post("/api/whatif", content=body)
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error.startswith(line), error


def test_an_upload_s_tiers_are_capped() -> None:
    """2,000 [[creators.tiers]] fit in an upload (160 kB) and its report.zip took 22 s and
    1.5 GB of memory (a bar each in the tier charts)."""
    tier = '[[creators.tiers]]\nname = "t{}"\ncreator_share = 0.0005\nearnings_share = 0.0005\n'
    text = '[outage]\nhours = 24\n[revenue]\nhourly_loss = "1M"\n' + "".join(
        tier.format(i) for i in range(2000)
    )
    (problem,) = upload_problems(text, "big.toml")
    assert problem.startswith("big.toml: creators.tiers: 2,000 tiers: an upload gives at most")


def test_an_upload_s_attribution_readings_are_capped() -> None:
    """3,000 [evidence.attribution] readings (86 kB) made a what-if of 50,000 trials take 40 s
    and 24 GB of memory: enough to have the server killed."""
    pairs = ", ".join(f'"r{i}" = 0.5' for i in range(3000))
    text = (
        '[outage]\nhours = 24\n[revenue]\nhourly_loss = "1M"\n[evidence]\n'
        'users_to_rivals = "<= normal(0.01, 0.002)"\n[evidence.attribution]\n'
        f'share = "uniform(0, 1)"\nquantities = ["users_to_rivals"]\nreadings = {{ {pairs} }}\n'
    )
    (problem,) = upload_problems(text, "r.toml")
    assert problem.startswith("r.toml: evidence.attribution.readings: 3,000 readings: an upload")


@pytest.mark.parametrize("rate", ["1000", "lognormal(median=1, sigma=4)"])
def test_the_annual_tab_caps_the_outages_a_year(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, rate: str
) -> None:
    """Any key can be set from the page: frequency.events_per_year = 1000 (the library's own
    cap) made the quick 50,000-year run hold 50 million outages; 500 took over 8 GB."""
    import impact.web.service as web_service

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("simulated")

    monkeypatch.setattr(web_service, "simulate_annual", never)
    body = {"scenario": "tiktok-us-2026", "specs": {"frequency.events_per_year": rate}}
    answer = client.post("/api/annual", json=body)
    assert answer.status_code == 400, answer.text
    (line,) = answer.json()["errors"]
    assert line.startswith(f"frequency.events_per_year: {rate}: "), line
    assert "outages a year on average; this page simulates at most 20" in line


def test_another_site_s_page_cannot_fetch_a_download(client: TestClient) -> None:
    """samples.csv runs a simulation (up to 200,000 trials, a 90 MB file): an <img> on another
    site's page could start it (run ids are run-1, run-2, …) and replace the user's own."""
    run = client.post("/api/whatif", json={"scenario": "meta-2024", "trials": 1000}).json()["run"]
    for site in ("cross-site", "same-site"):
        headers = {"Sec-Fetch-Site": site}
        for path in (f"/download/{run}/samples.csv", f"/download/{run}/report.zip", "/api/meta"):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 403, (site, path)
            assert answer.json()["errors"] == [
                f"{path}: a request from another site's page is refused; use this server's page"
            ]
        assert client.get("/", headers=headers).status_code == 200  # a link to the page
    own = client.get("/api/meta", headers={"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200


@pytest.mark.parametrize("line", ["a = x{}y#", "a{}= 1 !", "{}a = u(1) x"])
def test_a_long_bad_line_is_refused_at_once(line: str) -> None:
    """The bare-spec hint's regexes backtracked in the square of the line's length: a line of
    32 kB took 16 s, and a 256 KiB upload would have held a core for a quarter of an hour."""
    text = line.format(" " * 30_000) + "\n"
    started = time.perf_counter()
    (problem,) = upload_problems(text)
    assert time.perf_counter() - started < 2
    assert problem.startswith("upload: not valid TOML: "), problem[:80]


def test_a_bare_spec_still_gets_its_hint_with_a_comment() -> None:
    (problem,) = upload_problems("[revenue]\nhourly_loss = 4.57k  # " + "x" * 2000 + "\n")
    assert problem.endswith('; write "4.57k" in quotes: specs are strings'), problem


def test_a_long_trials_field_is_refused_not_cut(client: TestClient) -> None:
    """The field was cut to 32 characters before it was read: "1000", 28 spaces and "000000"
    ran 1,000 trials."""
    body = {"scenario": "meta-2024", "trials": "1000" + " " * 28 + "000000"}
    answer = client.post("/api/whatif", json=body)
    assert answer.status_code == 400
    (line,) = answer.json()["errors"]
    assert line.startswith("trials: '1000 ") and line.endswith(
        "not a number (write e.g. 100000, 100k or 1M)"
    )
