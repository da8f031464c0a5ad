-- seed-doses.sql - a clinic of stable methadone patients for bench/doses.sh.
-- Parameters are substituted by the script: :N patients at site 1, each with
-- an active daily methadone order (80 mg, started :START) and DAYS days of
-- given doses before today (:TODAY), the last one yesterday.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :N)
INSERT INTO patient(site_id, mrn, created_at, created_by)
SELECT 1, printf('BENCH-%06d', i), '2024-01-01T00:00:00Z', 'bench' FROM n;
INSERT INTO patient_version(patient_id, family_name, given_name, birth_date, sex_at_birth, search_name, reason,
                            recorded_at, recorded_by, is_current)
SELECT id, 'Bench', printf('Patient%06d', id), '1980-01-01', 'unknown', printf('bench patient%06d', id),
       'bench seed', '2024-01-01T00:00:00Z', 'bench', 1 FROM patient WHERE mrn LIKE 'BENCH-%';
INSERT INTO med_order(patient_id, site_id, medication, unit, route, frequency, start_on, created_at, created_by)
SELECT id, 1, 'methadone', 'mg', 'oral', 'daily', ':START', '2024-01-01T00:00:00Z', 'bench'
FROM patient WHERE mrn LIKE 'BENCH-%';
INSERT INTO med_order_event(order_id, kind, dose, effective_on, recorded_at, recorded_by)
SELECT id, 'start', 80, start_on, '2024-01-01T00:00:00Z', 'bench' FROM med_order;
WITH RECURSIVE d(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM d WHERE k < :DAYS)
INSERT INTO med_admin(order_id, patient_id, site_id, dose_on, slot, attempt, status, amount, unit, user_id,
                      recorded_at, recorded_by)
SELECT o.id, o.patient_id, 1, date(':TODAY', printf('-%d days', d.k)), 1, 0, 'given', 80, 'mg', 1,
       '2024-01-01T00:00:00Z', 'bench'
FROM med_order o, d;
