// Which database dialect the AWS Advanced Node.js Wrapper picks for a server when no dialect is
// given: it starts from the host name (a lab host is no RDS name, so plain PostgreSQL / MySQL)
// and then runs each candidate dialect's own detection SQL on the connection.
//
//   node detect_dialect.mjs --engine pg|mysql --host HOST
//
// Prints {"host": ..., "dialect": "<the wrapper's dialect class name>"} on the last line; exit 1
// with the error when the connection fails. Plugins are off: detection is the wrapper's core.
import { AwsPGClient } from "aws-advanced-nodejs-wrapper/pg";
import { AwsMySQLClient } from "aws-advanced-nodejs-wrapper/mysql";

function usage(message) {
  process.stderr.write(`detect_dialect: ${message}\nusage: node detect_dialect.mjs --engine pg|mysql --host HOST\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : "";
};
const engine = option("--engine");
const host = option("--host");
if (engine !== "pg" && engine !== "mysql") usage(`--engine must be pg or mysql, got '${engine}'`);
if (!host) usage("--host is required");

const config = {
  host,
  port: engine === "pg" ? 5432 : 3306,
  user: "awrap",
  password: "awrap-lab-password",
  database: "awrap",
  plugins: "",
  wrapperConnectTimeout: 5000,
};
const client = engine === "pg" ? new AwsPGClient(config) : new AwsMySQLClient(config);
try {
  await client.connect();
  const dialect = client.pluginService.getDialect().getDialectName();
  await client.end();
  process.stdout.write("\n" + JSON.stringify({ host, dialect }) + "\n");
  process.exit(0);
} catch (error) {
  process.stderr.write(`detect_dialect: ${host}: ${error?.message ?? error}\n`);
  process.exit(1);
}
