# SQLAlchemy 1.4 (Core and ORM): a poincare_point column type (doc/clients.md)
import numpy as np
from sqlalchemy import Column, Float, Integer, create_engine, func, select
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.types import UserDefinedType


class PoincarePoint(UserDefinedType):
    """poincare_point or poincare_point(dim); Python values are float64 numpy arrays."""

    cache_ok = True

    def __init__(self, dim=None):
        self.dim = dim

    def get_col_spec(self, **kw):
        return "poincare_point" if self.dim is None else f"poincare_point({self.dim})"

    def bind_processor(self, dialect):
        def process(value):  # "[x1,...,xn]": repr() gives the shortest exact digits
            return None if value is None else "[" + ",".join(repr(float(x)) for x in np.ravel(value)) + "]"
        return process

    def result_processor(self, dialect, coltype):
        def process(value):  # "(x1,...,xn)"
            return None if value is None else np.array([float(x) for x in value[1:-1].split(",")])
        return process

    class comparator_factory(UserDefinedType.Comparator):
        def distance(self, other):
            """Hyperbolic distance, the <-> operator (KNN with ORDER BY ... LIMIT)."""
            return self.op("<->", return_type=Float())(other)


Base = declarative_base()


class Point(Base):
    __tablename__ = "sa_points"
    id = Column(Integer, primary_key=True)
    p = Column(PoincarePoint(2), nullable=False)


engine = create_engine("postgresql+psycopg2://", future=True)  # libpq's PG* variables
Base.metadata.drop_all(engine)
Base.metadata.create_all(engine)
with Session(engine) as session:
    session.add_all([Point(id=1, p=np.array([0.1, 0.2])), Point(id=2, p=np.array([-0.5, 0.25])),
                     Point(id=3, p=np.array([0.0, -0.7]))])
    session.commit()
    q = np.array([-0.4, 0.2])
    nearest = session.execute(select(Point).order_by(Point.p.distance(q)).limit(2)).scalars().all()
    print("nearest:", [(pt.id, pt.p.tolist()) for pt in nearest])
    # the extension's functions work on the column as any SQL function does
    norms = session.execute(select(Point.id, func.poincare_norm(Point.p)).order_by(Point.id)).all()
    print("norms:", [(i, round(n, 6)) for i, n in norms])
Base.metadata.drop_all(engine)
