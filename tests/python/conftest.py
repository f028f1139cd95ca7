"""Shared fixtures. The package is imported from the build tree (PYTHONPATH set by ctest, see
tests/CMakeLists.txt); servers come from the lab: the single-node fixture servers
(AWRAP_TEST_PG_CONNINFO / AWRAP_TEST_MARIADB_CONNINFO, started by ctest's lab_single fixture)
for the DB-API and type tests, and clusters of their own (lab.py) for the failover tests."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awrap  # noqa: E402

PG = os.environ.get("AWRAP_TEST_PG_CONNINFO",
                    "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap")
MARIADB = os.environ.get("AWRAP_TEST_MARIADB_CONNINFO",
                         "mysql://awrap:awrap-lab-password@127.0.0.41:3306/awrap")


def pytest_configure(config):
    config.addinivalue_line("markers", "cluster: builds lab clusters and injects faults (ctest label cluster)")


@pytest.fixture(params=["pg", "mariadb"])
def engine(request):
    return request.param


@pytest.fixture
def conninfo(engine):
    return PG if engine == "pg" else MARIADB


@pytest.fixture
def conn(conninfo):
    connection = awrap.connect(conninfo)
    yield connection
    connection.close()


@pytest.fixture
def table(conn, request):
    """A fresh table name for this test (dropped afterwards)."""
    name = "py_" + request.node.name.split("[")[0][5:40] + "_" + (conn.engine)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS " + name)
    conn.commit()
    yield name
    try:
        conn.rollback()
        cur = conn.cursor()
        cur.execute("DROP TABLE IF EXISTS " + name)
        conn.commit()
    except awrap.Error:
        pass
