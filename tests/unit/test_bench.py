"""The benchmark's arithmetic and its load generator (bench/): the figures it writes
into results.json must be right even though the benchmark itself is not a test."""

import http.server
import threading

import pytest

from bench import loadgen
from bench.memory import children, peak_rss_mb
from bench.stats import Figure, Row, percentile, table

pytestmark = pytest.mark.unit


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) != percentile([], 50)  # NaN


def test_a_figure_is_the_median_of_its_runs_with_min_and_max():
    figure = Figure("x", "req/s", [30.0, 10.0, 20.0])
    assert figure.median == 20.0
    assert figure.as_dict()["min"] == 10.0 and figure.as_dict()["max"] == 30.0


def test_a_row_is_a_ratio_of_medians_and_the_table_shows_it():
    row = Row("intake", Figure("relais", "req/s", [100.0, 120.0, 110.0]),
              Figure("naive", "req/s", [50.0, 55.0, 60.0]), "naive", ">= 1.2x")
    assert row.ratio == pytest.approx(2.0)
    assert row.as_dict()["ratio"] == 2.0
    printed = table([row, Row("scale", Figure("alone", "ms", [1.0, 2.0, 3.0]))])
    assert "2.00x" in printed and "naive (55.0)" in printed and ">= 1.2x" in printed


def test_the_load_generator_refuses_anything_but_loopback():
    with pytest.raises(ValueError, match="loopback"):
        loadgen.saturate("http://192.0.2.1:80", lambda: ("GET", "/", None, {}), duration=0.1)


@pytest.fixture
def server():
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802  (http.server's naming)
            status = 200 if self.path == "/ok" else 500
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_saturation_counts_answers_and_stops_at_the_bound(server):
    result = loadgen.saturate(server, lambda: ("GET", "/ok", None, {}), connections=2,
                              duration=1.0, processes=1, max_requests=40)
    assert result.ok == 40 and result.failed == 0 and len(result.latencies) == 40
    failing = loadgen.saturate(server, lambda: ("GET", "/no", None, {}), connections=2,
                               duration=0.3, processes=1, max_requests=10)
    assert failing.ok == 0 and failing.failed == 10
    assert list(failing.failures) == ["500: ok"]


def test_steady_sends_on_schedule_and_reports_each_answer(server):
    answers = []
    result = loadgen.steady(server, lambda i: ("GET", "/ok", None, {}), rate=50,
                            duration=0.4, on_answer=lambda i, s, b, at: answers.append((i, s)),
                            threads=2)
    assert result.ok == 20 and sorted(answers) == [(i, 200) for i in range(20)]


def test_peak_memory_and_children_come_from_proc():
    import os
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in children(os.getpid())
        assert peak_rss_mb(os.getpid()) > 1
    finally:
        child.kill()
        child.wait()
