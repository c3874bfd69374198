// node-postgres: poincare_point parameters and a KNN query (doc/clients.md)
const { Client, types } = require('pg');

async function main() {
  const client = new Client(); // libpq's PG* variables say where (PGHOST may be a socket directory)
  await client.connect();
  try {
    // results: "(x1,...,xn)" -> an array of numbers, for the type's oid
    const { rows: [{ oid }] } = await client.query("SELECT 'poincare_point'::regtype::oid AS oid");
    types.setTypeParser(oid, (text) => JSON.parse('[' + text.slice(1, -1) + ']'));

    await client.query('CREATE TEMP TABLE pts (id int PRIMARY KEY, p poincare_point(2))');
    await client.query('CREATE INDEX ON pts USING gist (p)');
    const points = [[1, [0.1, 0.2]], [2, [-0.5, 0.25]], [3, [0, -0.7]], [4, [0.3, 0.3]]];
    for (const [id, p] of points) {
      // JSON.stringify gives "[0.1,0.2]", a poincare_point literal
      await client.query('INSERT INTO pts VALUES ($1, $2)', [id, JSON.stringify(p)]);
    }
    // a JS array is sent as an array literal "{...}": cast it to float8[] first
    await client.query('INSERT INTO pts VALUES ($1, $2::float8[])', [5, [-0.45, 0.1]]);

    // the 3 nearest points by hyperbolic distance to a query point
    const q = JSON.stringify([-0.4, 0.2]);
    const { rows } = await client.query(
      'SELECT id, p, p <-> $1::poincare_point AS distance FROM pts ORDER BY p <-> $1::poincare_point LIMIT 3',
      [q]);
    for (const r of rows) {
      console.log(`id ${r.id} p ${JSON.stringify(r.p)} distance ${r.distance.toFixed(6)}`);
    }
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
