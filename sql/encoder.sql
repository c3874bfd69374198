-- encoder engine: the hack.blas_threads GUC and the self-test
SELECT round(hack_nn_selftest()::numeric, 3) AS loss;
SHOW hack.blas_threads;  -- defined once the library is loaded
SET hack.blas_threads = 2;
SELECT round(hack_nn_selftest()::numeric, 3) AS loss_2_threads;
RESET hack.blas_threads;
-- the self-test in a parallel worker
SET force_parallel_mode = on;
SELECT round(hack_nn_selftest()::numeric, 3) AS loss_in_worker;
RESET force_parallel_mode;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SET hack.blas_threads = 0$$,
	$$SET hack.blas_threads = 65$$,
	$$SET hack.blas_threads = 'many'$$,
	$$SET hack.no_such_setting = 1$$]) q;
SELECT description FROM pg_description
	WHERE objoid = 'hack_nn_selftest()'::regprocedure;
