// The failover benchmark's workload through the AWS Advanced Node.js Wrapper: the same contract as
// bench/failover/failover_workload.cpp (CLI, rows written, JSON printed), so bench/failover/run
// can run it beside awrap and the libpq baselines against one cluster and one fault.
//
//   node failover_client.mjs --engine pg|mysql --host H --label L --run-id N
//        [--threads 4] [--duration-ms 10000] [--interval-ms 10] [--set wrapperProperty=value]...
//
// Each "thread" is an async loop with its own AwsPGClient / AwsMySQLClient: one INSERT and one
// SELECT every interval. Outcomes are mapped as for awrap: FailoverSuccessError = the statement
// was not applied and the connection now points at the new writer; TransactionResolutionUnknown
// Error = it may have committed; FailoverFailedError = no writer in time (the client is dropped
// and a new one connects). Other errors are named by SQLSTATE / MySQL code, or connection_lost.
//
// The last line on stdout is one JSON object; every timestamp is CLOCK_MONOTONIC in ns
// (process.hrtime on Linux), the clock of the lab's event log. Loops still inside a call at the
// deadline plus 2 s are reported as hung and abandoned: the process exits at that point.
import { AwsPGClient } from "aws-advanced-nodejs-wrapper/pg";
import { AwsMySQLClient } from "aws-advanced-nodejs-wrapper/mysql";
import {
  FailoverSuccessError,
  FailoverFailedError,
  TransactionResolutionUnknownError,
} from "aws-advanced-nodejs-wrapper";

const USAGE =
  "usage: node failover_client.mjs --engine pg|mysql --host HOST --label NAME --run-id N " +
  "[--threads N] [--duration-ms MS] [--interval-ms MS] [--set wrapperProperty=value]...";

function fail(message) {
  process.stderr.write(`failover_client: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) fail(`${name} must be a non-negative integer, got '${text}'`);
  return value;
}

export function parseArgs(argv) {
  const o = { engine: "", host: "", label: "", runId: -1, threads: 4, durationMs: 10000, intervalMs: 10, props: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === "--engine") o.engine = value();
    else if (a === "--host") o.host = value();
    else if (a === "--label") o.label = value();
    else if (a === "--run-id") o.runId = positiveInt(a, value());
    else if (a === "--threads") o.threads = positiveInt(a, value());
    else if (a === "--duration-ms") o.durationMs = positiveInt(a, value());
    else if (a === "--interval-ms") o.intervalMs = positiveInt(a, value());
    else if (a === "--set") {
      const kv = value();
      const eq = kv.indexOf("=");
      if (eq <= 0) fail(`--set expects wrapperProperty=value, got '${kv}'`);
      o.props[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else fail(`unknown argument '${a}'`);
  }
  if (o.engine !== "pg" && o.engine !== "mysql") fail(`--engine must be pg or mysql, got '${o.engine}'`);
  if (!o.host) fail("--host is required");
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(o.label)) fail(`--label must be 1-16 of [A-Za-z0-9_-], got '${o.label}'`);
  if (o.runId < 0) fail("--run-id is required");
  return o;
}

const monoNs = () => Number(process.hrtime.bigint());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function clientConfig(o) {
  const numeric = /^[0-9]+$/;
  const config = {
    host: o.host,
    port: o.engine === "pg" ? 5432 : 3306,
    user: "awrap",
    password: "awrap-lab-password",
    database: "awrap",
  };
  for (const [k, v] of Object.entries(o.props)) config[k] = numeric.test(v) ? Number(v) : v;
  return config;
}

function errorClass(error) {
  if (error instanceof FailoverSuccessError) return "FailoverSuccessError";
  if (error instanceof TransactionResolutionUnknownError) return "TransactionResolutionUnknownError";
  if (error instanceof FailoverFailedError) return "FailoverFailedError";
  // A server's answer (the session is still fine): pg errors carry a severity, mysql2's an errno
  // and SQLSTATE without being fatal. Everything else is a lost or failed connection.
  if (error?.severity && typeof error?.code === "string") return `sqlstate_${error.code}`;
  if (typeof error?.errno === "number" && error?.sqlState && !error?.fatal) return `mysql_${error.errno}`;
  return "connection_lost";
}

// One loop: INSERT then SELECT every interval; its client is replaced when it cannot go on.
async function loop(o, thread, log, deadlineNs) {
  let client = null;
  let seq = 0;
  const exec = async (sql) => {
    if (!client) {
      const fresh = o.engine === "pg" ? new AwsPGClient(clientConfig(o)) : new AwsMySQLClient(clientConfig(o));
      try {
        await fresh.connect();
      } catch (error) {
        fresh.end().catch(() => {});
        await sleep(o.intervalMs);
        return "connect_failed";
      }
      client = fresh;
    }
    try {
      await client.query(sql);
      return "";
    } catch (error) {
      const cls = errorClass(error);
      // After FailoverSuccessError / TransactionResolutionUnknownError the wrapper's client is
      // connected to the new writer; anything else leaves it unusable.
      const usable = ["FailoverSuccessError", "TransactionResolutionUnknownError"].includes(cls) || cls.startsWith("sqlstate_") || cls.startsWith("mysql_");
      if (!usable) {
        const dead = client;
        client = null;
        dead.end().catch(() => {});
      }
      return cls;
    }
  };
  while (monoNs() < deadlineNs) {
    ++seq;
    for (const write of [true, false]) {
      const start = monoNs();
      log.inCall = true;
      log.callStartedNs = start;
      const error = await exec(
        write
          ? `INSERT INTO bench_writes(run_id, client, thread, seq) VALUES (${o.runId}, '${o.label}', ${thread}, ${seq})`
          : "SELECT count(*) FROM bench_writes",
      );
      log.inCall = false;
      log.ops.push([start, monoNs(), write ? seq : 0, error === "", write, error]);
    }
    await sleep(o.intervalMs);
  }
  log.finished = true;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  // The wrapper logs through winston to stdout; the runner reads only the last line.
  process.on("unhandledRejection", (error) => process.stderr.write(`unhandled rejection: ${error}\n`));
  process.on("uncaughtException", (error) => process.stderr.write(`uncaught exception: ${error}\n`));
  const startNs = monoNs();
  const deadlineNs = startNs + o.durationMs * 1e6;
  const logs = [];
  for (let t = 0; t < o.threads; t++) {
    const log = { ops: [], inCall: false, callStartedNs: 0, finished: false };
    logs.push(log);
    loop(o, t, log, deadlineNs).catch((error) => process.stderr.write(`loop ${t} failed: ${error?.stack ?? error}\n`));
  }
  await sleep(o.durationMs + 2000);
  const out = {
    client: o.label,
    driver: `aws-advanced-nodejs-wrapper/${o.engine}`,
    run_id: o.runId,
    start_ns: startNs,
    deadline_ns: deadlineNs,
    threads: logs.map((log) => ({
      hung: !log.finished,
      hung_since_ns: log.finished ? 0 : log.callStartedNs,
      ops: log.ops,
    })),
  };
  process.stdout.write("\n" + JSON.stringify(out) + "\n", () => process.exit(0));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
