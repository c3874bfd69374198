# psycopg2: poincare_point <-> numpy, and what becomes of progress NOTICEs (doc/clients.md)
import numpy as np
import psycopg2
import psycopg2.extensions as ext

from train_images import images


# numpy arrays as parameters: the "[x1,...,xn]" literal (repr: shortest exact digits)
def adapt_array(a):
    return ext.AsIs("'[" + ",".join(repr(float(x)) for x in np.ravel(a)) + "]'::poincare_point")


ext.register_adapter(np.ndarray, adapt_array)

conn = psycopg2.connect("")  # libpq's PG* variables say where
conn.autocommit = True  # outside a transaction block hack_train commits after each group
cur = conn.cursor()

# results: a caster for the type's oid ("(x1,...,xn)" -> float64 array)
cur.execute("SELECT 'poincare_point'::regtype::oid")
POINT = ext.new_type((cur.fetchone()[0],), "POINCARE_POINT",
                     lambda s, cur: None if s is None else np.array([float(x) for x in s[1:-1].split(",")]))
ext.register_type(POINT, conn)

cur.execute("CREATE TEMP TABLE pts (id int, p poincare_point(2))")
cur.executemany("INSERT INTO pts VALUES (%s, %s)", [(1, np.array([0.1, 0.2])), (2, np.array([-0.5, 0.25]))])
cur.execute("SELECT id, p FROM pts ORDER BY p <-> %s LIMIT 1", (np.array([-0.4, 0.2]),))
i, p = cur.fetchone()
print("nearest:", i, type(p).__name__, p.tolist())

# conn.notices keeps the last 50 NOTICEs only
cur.execute("DO $$BEGIN FOR i IN 1..60 LOOP RAISE NOTICE 'notice %', i; END LOOP; END$$")
print("notices kept:", len(conn.notices), "first kept:", conn.notices[0].strip())

# ... and hands them over when the statement returns: a CALL's progress is
# not live.  Any object with append() can stand for the list (no limit then).
other = psycopg2.connect("")
other.autocommit = True
watch = other.cursor()


class Progress:
    def __init__(self):
        self.lines = []

    def append(self, msg):
        watch.execute("SELECT count(*) FROM hack.training_progress WHERE model = 'progress2_demo'")
        self.lines.append((watch.fetchone()[0], msg))


cur.execute("CREATE TABLE progress2_imgs (id bigint PRIMARY KEY, label int, img bytea)")
cur.executemany("INSERT INTO progress2_imgs VALUES (%s, %s, %s)", list(images(400)))
conn.notices = Progress()
cur.execute("CALL hack_train(model => 'progress2_demo', source => 'progress2_imgs', group_column => 'label',"
            " format => 'u8', epochs => 8, pack_epochs => 50, seed => 1)")
epochs = [(jobs, m) for jobs, m in conn.notices.lines if " epoch " in m]
print("epoch notices:", len(epochs), "delivered while the CALL ran:", sum(jobs for jobs, m in epochs))
cur.execute("SELECT hack_drop_model('progress2_demo')")
cur.execute("DROP TABLE progress2_imgs")
conn.close()
other.close()
