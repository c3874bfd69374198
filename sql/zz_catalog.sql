-- the extension's catalog hygiene; runs last (zz_) so it sees every object
CREATE TEMP VIEW members AS
SELECT d.classid, d.objid, d.objsubid, pg_describe_object(d.classid, d.objid, d.objsubid) AS object
FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'hack' AND d.deptype = 'e';

-- every object explains itself (COMMENT ON), so \dx+, \df+ and \do+ are useful
SELECT object AS undocumented FROM members m
WHERE NOT EXISTS (SELECT FROM pg_description c
	WHERE c.classoid = m.classid AND c.objoid = m.objid AND c.objsubid = m.objsubid)
ORDER BY 1;

-- nothing runs with another role's privileges
SELECT object AS security_definer FROM members m
WHERE m.classid = 'pg_proc'::regclass AND (SELECT prosecdef FROM pg_proc WHERE oid = m.objid);

-- C functions that claim to be parallel unsafe or volatile are listed for review
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
WHERE p.provolatile <> 'i' OR p.proparallel <> 's'
ORDER BY 1, 2;
