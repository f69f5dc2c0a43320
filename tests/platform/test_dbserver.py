"""The embedded PostgreSQL starts with settings for many unit schemas (issue 12, item 5):
with PostgreSQL's defaults (64 locks per transaction) a bulk onboarding ran out of shared
memory at the 19th unit."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import psycopg
from pgserver._commands import pg_ctl
from zhengtong.dbserver import embedded_data_dir, embedded_url
url = embedded_url()
with psycopg.connect(url) as conn:
    for name in ("max_locks_per_transaction", "max_connections", "shared_buffers", "checkpoint_timeout",
                 "max_wal_size"):
        print(name, conn.execute("SHOW " + name).fetchone()[0])
pg_ctl(["-w", "stop"], pgdata=embedded_data_dir(), user="pgserver" if os.geteuid() == 0 else None)
"""


def test_a_new_embedded_server_runs_with_the_many_schemas_settings(tmp_path):
    # A process of its own: the suite's server must not be restarted under the running tests.
    env = {**os.environ, "ZT_PGDATA": str(tmp_path / "pgdata"),
           "PYTHONPATH": f"{REPO / 'platform'}:{REPO}"}
    env.pop("DATABASE_URL", None)
    if os.geteuid() == 0:
        tmp_path.chmod(0o755)  # the server runs as the system user pgserver
    out = subprocess.run([sys.executable, "-c", "import os\n" + PROBE], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    shown = dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())
    assert shown == {"max_locks_per_transaction": "256", "max_connections": "200", "shared_buffers": "256MB",
                     "checkpoint_timeout": "15min", "max_wal_size": "2GB"}
