/*
 * migrate.c - versioned schema migrations, applied in order at start and by
 * `tandem migrate`. Each migration runs in its own transaction together with
 * the row that records it, so a crash leaves the schema at a known version.
 *
 * The SQL is portable between SQLite and PostgreSQL: TEXT for strings, dates
 * and UTC instants (computed in C), BIGINT for integers; {{ID}} becomes the
 * backend's auto-increment primary key.
 */
#include "store/store.h"
#include "util/buf.h"
#include "util/date.h"

#include <stdio.h>
#include <string.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

static const struct migration migrations[] = {
	{1, "foundation",
	 /* Sites of a clinic network; every patient belongs to one. */
	 "CREATE TABLE site ("
	 " id {{ID}},"
	 " code TEXT NOT NULL UNIQUE,"
	 " name TEXT NOT NULL,"
	 " created_at TEXT NOT NULL);"

	 "CREATE TABLE app_user ("
	 " id {{ID}},"
	 " username TEXT NOT NULL UNIQUE,"
	 " password_hash TEXT NOT NULL,"
	 " created_at TEXT NOT NULL,"
	 " disabled_at TEXT);"

	 /* A grant of one role at one site. Revocation is a new value in
	  * revoked_at, the row stays. role_bit mirrors role for filtering. */
	 "CREATE TABLE user_role ("
	 " id {{ID}},"
	 " user_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " role TEXT NOT NULL,"
	 " role_bit BIGINT NOT NULL,"
	 " granted_at TEXT NOT NULL,"
	 " granted_by TEXT NOT NULL,"
	 " revoked_at TEXT);"
	 "CREATE INDEX user_role_user ON user_role(user_id);"

	 /* Only a hash of the token is stored. */
	 "CREATE TABLE session ("
	 " id {{ID}},"
	 " token_hash TEXT NOT NULL UNIQUE,"
	 " user_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " created_at TEXT NOT NULL,"
	 " expires_at TEXT NOT NULL,"
	 " revoked_at TEXT,"
	 " client_addr TEXT NOT NULL);"

	 "CREATE TABLE login_attempt ("
	 " id {{ID}},"
	 " username TEXT NOT NULL,"
	 " client_addr TEXT NOT NULL,"
	 " at TEXT NOT NULL,"
	 " ok BIGINT NOT NULL);"
	 "CREATE INDEX login_attempt_user ON login_attempt(username, at);"
	 "CREATE INDEX login_attempt_addr ON login_attempt(client_addr, at);"

	 /* Append-only, hash-chained audit trail (see domain/audit.c). */
	 "CREATE TABLE audit ("
	 " seq BIGINT PRIMARY KEY,"
	 " at TEXT NOT NULL,"
	 " user_id BIGINT NOT NULL,"
	 " username TEXT NOT NULL,"
	 " roles TEXT NOT NULL,"
	 " site_id BIGINT,"
	 " action TEXT NOT NULL,"
	 " patient_id BIGINT,"
	 " object_type TEXT NOT NULL,"
	 " object_id TEXT NOT NULL,"
	 " outcome TEXT NOT NULL,"
	 " client_addr TEXT NOT NULL,"
	 " request_id TEXT NOT NULL,"
	 " detail TEXT NOT NULL,"
	 " prev_hash TEXT NOT NULL,"
	 " hash TEXT NOT NULL);"
	 "CREATE INDEX audit_patient ON audit(patient_id, seq);"

	 "CREATE TABLE patient ("
	 " id {{ID}},"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " mrn TEXT NOT NULL UNIQUE,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"

	 /* Demographics are versioned: the current ones are the newest row. */
	 "CREATE TABLE patient_version ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " family_name TEXT NOT NULL,"
	 " given_name TEXT NOT NULL,"
	 " preferred_name TEXT,"
	 " birth_date TEXT NOT NULL,"
	 " sex_at_birth TEXT NOT NULL,"
	 " gender_identity TEXT,"
	 " phone TEXT, email TEXT,"
	 " address_line TEXT, city TEXT, region TEXT, postal_code TEXT,"
	 " emergency_name TEXT, emergency_relationship TEXT, emergency_phone TEXT,"
	 " preferred_language TEXT,"
	 " search_name TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL,"
	 " is_current BIGINT NOT NULL);"
	 "CREATE INDEX patient_version_current ON patient_version(patient_id, is_current);"
	 "CREATE INDEX patient_version_search ON patient_version(is_current, search_name);"
	 "CREATE INDEX patient_version_birth ON patient_version(is_current, birth_date);"

	 "CREATE TABLE diagnosis ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " code TEXT NOT NULL,"
	 " category TEXT NOT NULL,"
	 " substance TEXT,"
	 " pattern TEXT,"
	 " onset_date TEXT,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX diagnosis_patient ON diagnosis(patient_id);"

	 /* Status changes of a diagnosis; the newest row is the status. */
	 "CREATE TABLE diagnosis_status ("
	 " id {{ID}},"
	 " diagnosis_id BIGINT NOT NULL REFERENCES diagnosis(id),"
	 " status TEXT NOT NULL,"
	 " effective_on TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX diagnosis_status_dx ON diagnosis_status(diagnosis_id, id);"

	 "CREATE TABLE episode ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " admitted_on TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX episode_patient ON episode(patient_id);"

	 /* A placement in a level of care. It ends where the next begins or at
	  * discharge; nothing is updated in place. */
	 "CREATE TABLE placement ("
	 " id {{ID}},"
	 " episode_id BIGINT NOT NULL REFERENCES episode(id),"
	 " level TEXT NOT NULL,"
	 " asam_level TEXT NOT NULL,"
	 " asam_edition TEXT NOT NULL,"
	 " started_on TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX placement_episode ON placement(episode_id, id);"

	 "CREATE TABLE discharge ("
	 " id {{ID}},"
	 " episode_id BIGINT NOT NULL UNIQUE REFERENCES episode(id),"
	 " discharged_on TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"

	 "CREATE TABLE meta ("
	 " key TEXT PRIMARY KEY,"
	 " value TEXT NOT NULL);"},

	{2, "measurement-based care",
	 /* Definitions a clinic imported (restricted wording); built-ins are files. */
	 "CREATE TABLE instrument_def ("
	 " id {{ID}},"
	 " code TEXT NOT NULL,"
	 " version TEXT NOT NULL,"
	 " definition TEXT NOT NULL,"
	 " imported_at TEXT NOT NULL,"
	 " imported_by TEXT NOT NULL);"

	 /* One administration: totals and band kept with every item answer. */
	 "CREATE TABLE assessment ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " instrument TEXT NOT NULL,"
	 " version TEXT NOT NULL,"
	 " total BIGINT NOT NULL,"
	 " band TEXT NOT NULL,"
	 " severity TEXT NOT NULL,"
	 " interpretation TEXT,"
	 " prorated BIGINT NOT NULL,"
	 " answered_by TEXT NOT NULL,"
	 " administered_at TEXT NOT NULL,"
	 " checkin_id BIGINT,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX assessment_patient ON assessment(patient_id, instrument, administered_at);"

	 "CREATE TABLE assessment_answer ("
	 " assessment_id BIGINT NOT NULL REFERENCES assessment(id),"
	 " item TEXT NOT NULL,"
	 " value BIGINT,"
	 " PRIMARY KEY (assessment_id, item));"

	 /* A raised alert; acknowledging is a row of its own. */
	 "CREATE TABLE alert ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " assessment_id BIGINT REFERENCES assessment(id),"
	 " rule_id TEXT NOT NULL,"
	 " kind TEXT NOT NULL,"
	 " severity TEXT NOT NULL,"
	 " message TEXT NOT NULL,"
	 " found TEXT NOT NULL,"
	 " why TEXT NOT NULL,"
	 " source TEXT NOT NULL,"
	 " roles BIGINT NOT NULL,"
	 " raised_at TEXT NOT NULL);"
	 "CREATE INDEX alert_patient ON alert(patient_id);"
	 "CREATE INDEX alert_site ON alert(site_id, raised_at);"

	 "CREATE TABLE alert_ack ("
	 " id {{ID}},"
	 " alert_id BIGINT NOT NULL UNIQUE REFERENCES alert(id),"
	 " note TEXT NOT NULL,"
	 " acked_at TEXT NOT NULL,"
	 " acked_by TEXT NOT NULL);"

	 /* Which instruments are due for a patient, and how often. */
	 "CREATE TABLE schedule ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " instrument TEXT NOT NULL,"
	 " every_minutes BIGINT NOT NULL,"
	 " starts_at TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE INDEX schedule_patient ON schedule(patient_id);"

	 "CREATE TABLE schedule_stop ("
	 " id {{ID}},"
	 " schedule_id BIGINT NOT NULL UNIQUE REFERENCES schedule(id),"
	 " reason TEXT NOT NULL,"
	 " stopped_at TEXT NOT NULL,"
	 " stopped_by TEXT NOT NULL);"

	 /* A one-time self check-in link; only a hash of its token is kept. */
	 "CREATE TABLE checkin ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " token_hash TEXT NOT NULL UNIQUE,"
	 " code_hash TEXT NOT NULL UNIQUE,"
	 " instruments TEXT NOT NULL,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL,"
	 " expires_at TEXT NOT NULL,"
	 " used_at TEXT);"},

	{3, "allergies and results",
	 "CREATE TABLE allergy ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " substance TEXT NOT NULL,"
	 " medication_id TEXT,"
	 " kind TEXT NOT NULL,"
	 " reaction TEXT,"
	 " severity TEXT NOT NULL,"
	 " noted_on TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX allergy_patient ON allergy(patient_id);"

	 "CREATE TABLE allergy_status ("
	 " id {{ID}},"
	 " allergy_id BIGINT NOT NULL REFERENCES allergy(id),"
	 " status TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"

	 /* A result as entered; correcting one is a status row (entered in
	  * error) and a new result, never an update. */
	 "CREATE TABLE result ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " kind TEXT NOT NULL,"
	 " substance TEXT,"
	 " outcome TEXT,"
	 " expected BIGINT NOT NULL,"
	 " code TEXT,"
	 " value DOUBLE PRECISION,"
	 " unit TEXT,"
	 " taken_at TEXT NOT NULL,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX result_patient ON result(patient_id, kind, taken_at);"

	 "CREATE TABLE result_status ("
	 " id {{ID}},"
	 " result_id BIGINT NOT NULL UNIQUE REFERENCES result(id),"
	 " status TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"},

	{4, "medication orders, administrations and take-homes",
	 /* An order's fixed part. What changes (dose, holds, stop) is a row in
	  * med_order_event; the first event ("start") carries the first dose. */
	 "CREATE TABLE med_order ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " medication TEXT NOT NULL,"
	 " unit TEXT NOT NULL,"
	 " route TEXT NOT NULL,"
	 " frequency TEXT NOT NULL,"
	 " start_on TEXT NOT NULL,"
	 " stop_on TEXT,"
	 " indication_id BIGINT REFERENCES diagnosis(id),"
	 " instructions TEXT,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE INDEX med_order_patient ON med_order(patient_id);"
	 "CREATE INDEX med_order_site ON med_order(site_id);"

	 /* start | change | hold | resume | discontinue | reassess |
	  * titration_pause (titration_id names the plan); dose is set on start
	  * and change. */
	 "CREATE TABLE med_order_event ("
	 " id {{ID}},"
	 " order_id BIGINT NOT NULL REFERENCES med_order(id),"
	 " kind TEXT NOT NULL,"
	 " dose DOUBLE PRECISION,"
	 " titration_id BIGINT,"
	 " effective_on TEXT NOT NULL,"
	 " reason TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX med_order_event_order ON med_order_event(order_id, id);"

	 /* Every rule alert shown when an order or a change was saved; a block
	  * that went through carries the prescriber's override reason. */
	 "CREATE TABLE med_order_alert ("
	 " id {{ID}},"
	 " order_id BIGINT NOT NULL REFERENCES med_order(id),"
	 " event_id BIGINT REFERENCES med_order_event(id),"
	 " rule TEXT NOT NULL,"
	 " severity TEXT NOT NULL,"
	 " message TEXT NOT NULL,"
	 " why TEXT NOT NULL,"
	 " source TEXT NOT NULL,"
	 " override_reason TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX med_order_alert_order ON med_order_alert(order_id);"

	 /* A titration plan and the dose steps it generated. A pause ends a
	  * plan's later steps; a resume is a new plan. */
	 "CREATE TABLE med_titration ("
	 " id {{ID}},"
	 " order_id BIGINT NOT NULL REFERENCES med_order(id),"
	 " plan TEXT NOT NULL,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE TABLE med_titration_step ("
	 " id {{ID}},"
	 " titration_id BIGINT NOT NULL REFERENCES med_titration(id),"
	 " order_id BIGINT NOT NULL REFERENCES med_order(id),"
	 " effective_on TEXT NOT NULL,"
	 " dose DOUBLE PRECISION NOT NULL);"
	 "CREATE INDEX med_titration_step_order ON med_titration_step(order_id, effective_on);"

	 /* One scheduled dose's outcome: given (witnessed), take_home, held,
	  * refused, missed. (order, day, slot, attempt) is unique, so two
	  * nurses cannot both record the same dose; a dose entered in error
	  * gets a med_admin_void row and the next record is attempt + 1. */
	 "CREATE TABLE med_admin ("
	 " id {{ID}},"
	 " order_id BIGINT NOT NULL REFERENCES med_order(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " dose_on TEXT NOT NULL,"
	 " slot BIGINT NOT NULL,"
	 " attempt BIGINT NOT NULL,"
	 " status TEXT NOT NULL,"
	 " amount DOUBLE PRECISION,"
	 " unit TEXT NOT NULL,"
	 " dispense_id BIGINT,"
	 " note TEXT,"
	 " user_id BIGINT NOT NULL,"
	 " idem_key TEXT,"
	 " idem_hash TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE UNIQUE INDEX med_admin_slot ON med_admin(order_id, dose_on, slot, attempt);"
	 "CREATE UNIQUE INDEX med_admin_idem ON med_admin(user_id, idem_key);"
	 "CREATE INDEX med_admin_patient ON med_admin(patient_id, dose_on);"
	 "CREATE INDEX med_admin_site ON med_admin(site_id, dose_on, order_id, status);"
	 "CREATE INDEX med_admin_dispense ON med_admin(dispense_id);"
	 "CREATE TABLE med_admin_void ("
	 " id {{ID}},"
	 " admin_id BIGINT NOT NULL UNIQUE REFERENCES med_admin(id),"
	 " reason TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"

	 /* Take-homes: the prescriber's decision (with the six factors as
	  * assessed), storage education, dispenses with bottles, returns,
	  * documented diversion. */
	 "CREATE TABLE takehome_decision ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " medication TEXT NOT NULL,"
	 " approved_days BIGINT NOT NULL,"
	 " max_days BIGINT NOT NULL,"
	 " treatment_day BIGINT NOT NULL,"
	 " factors TEXT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " decided_at TEXT NOT NULL,"
	 " decided_by TEXT NOT NULL);"
	 "CREATE INDEX takehome_decision_patient ON takehome_decision(patient_id);"
	 "CREATE TABLE takehome_education ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " note TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX takehome_education_patient ON takehome_education(patient_id);"
	 "CREATE TABLE takehome_dispense ("
	 " id {{ID}},"
	 " order_id BIGINT NOT NULL REFERENCES med_order(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " first_on TEXT NOT NULL,"
	 " days BIGINT NOT NULL,"
	 " bottles BIGINT NOT NULL,"
	 " amount DOUBLE PRECISION NOT NULL,"
	 " closure BIGINT NOT NULL,"
	 " decision_id BIGINT REFERENCES takehome_decision(id),"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX takehome_dispense_patient ON takehome_dispense(patient_id, first_on);"
	 "CREATE INDEX takehome_dispense_site ON takehome_dispense(site_id, first_on);"
	 "CREATE TABLE takehome_return ("
	 " id {{ID}},"
	 " dispense_id BIGINT NOT NULL REFERENCES takehome_dispense(id),"
	 " bottles BIGINT NOT NULL,"
	 " condition TEXT NOT NULL,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX takehome_return_dispense ON takehome_return(dispense_id);"
	 "CREATE TABLE diversion ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " noted_on TEXT NOT NULL,"
	 " note TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX diversion_patient ON diversion(patient_id);"},

	{5, "treatment plans",
	 /* One treatment plan per episode of care. What it says lives in its
	  * versions; this row never changes. */
	 "CREATE TABLE plan ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " episode_id BIGINT NOT NULL UNIQUE REFERENCES episode(id),"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE INDEX plan_patient ON plan(patient_id);"
	 /* Each save (create, change, review) is a whole version: the document
	  * as JSON text (src/domain/plan.h), its day, who and why. Items keep
	  * their keys ("O3") across versions; last_key is the highest key
	  * number given so far in the plan, so no key is given twice. */
	 "CREATE TABLE plan_version ("
	 " id {{ID}},"
	 " plan_id BIGINT NOT NULL REFERENCES plan(id),"
	 " version BIGINT NOT NULL,"
	 " kind TEXT NOT NULL,"
	 " effective_on TEXT NOT NULL,"
	 " content TEXT NOT NULL,"
	 " last_key BIGINT NOT NULL,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL,"
	 " UNIQUE (plan_id, version));"
	 /* A signature belongs to one version: a new version needs new ones. */
	 "CREATE TABLE plan_signature ("
	 " id {{ID}},"
	 " version_id BIGINT NOT NULL REFERENCES plan_version(id),"
	 " role TEXT NOT NULL,"
	 " signed_by TEXT NOT NULL,"
	 " method TEXT,"
	 " attestation TEXT,"
	 " signed_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX plan_signature_version ON plan_signature(version_id);"},

	{6, "sessions, attendance, notes",
	 /* A weekly series and its roster; the sessions it generated carry
	  * series_id. A roster change sets removed_at on the member and on
	  * their sessions that have not started (scheduling, not the record:
	  * attendance rows are never touched). */
	 "CREATE TABLE therapy_series ("
	 " id {{ID}},"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " kind TEXT NOT NULL,"
	 " modality TEXT NOT NULL,"
	 " title TEXT,"
	 " clinician_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " room TEXT,"
	 " telehealth BIGINT NOT NULL,"
	 " first_at TEXT NOT NULL,"
	 " minutes BIGINT NOT NULL,"
	 " sessions BIGINT NOT NULL,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE TABLE therapy_series_patient ("
	 " id {{ID}},"
	 " series_id BIGINT NOT NULL REFERENCES therapy_series(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " added_at TEXT NOT NULL,"
	 " added_by TEXT NOT NULL,"
	 " removed_at TEXT,"
	 " removed_by TEXT);"
	 "CREATE INDEX therapy_series_patient_series ON therapy_series_patient(series_id);"

	 /* One session: instants in UTC, ends_at = starts_at + minutes. */
	 "CREATE TABLE therapy_session ("
	 " id {{ID}},"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " series_id BIGINT REFERENCES therapy_series(id),"
	 " kind TEXT NOT NULL,"
	 " modality TEXT NOT NULL,"
	 " title TEXT,"
	 " clinician_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " room TEXT,"
	 " telehealth BIGINT NOT NULL,"
	 " starts_at TEXT NOT NULL,"
	 " ends_at TEXT NOT NULL,"
	 " minutes BIGINT NOT NULL,"
	 " created_at TEXT NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE INDEX therapy_session_site ON therapy_session(site_id, starts_at);"
	 "CREATE INDEX therapy_session_clinician ON therapy_session(clinician_id, starts_at);"
	 "CREATE INDEX therapy_session_series ON therapy_session(series_id);"
	 "CREATE TABLE therapy_session_cancel ("
	 " id {{ID}},"
	 " session_id BIGINT NOT NULL UNIQUE REFERENCES therapy_session(id),"
	 " reason TEXT NOT NULL,"
	 " cancelled_at TEXT NOT NULL,"
	 " cancelled_by TEXT NOT NULL);"
	 "CREATE TABLE therapy_session_patient ("
	 " id {{ID}},"
	 " session_id BIGINT NOT NULL REFERENCES therapy_session(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " added_at TEXT NOT NULL,"
	 " added_by TEXT NOT NULL,"
	 " removed_at TEXT,"
	 " removed_by TEXT);"
	 "CREATE INDEX therapy_session_patient_session ON therapy_session_patient(session_id);"
	 "CREATE INDEX therapy_session_patient_patient ON therapy_session_patient(patient_id);"

	 /* Attendance: a row per change, the latest wins. */
	 "CREATE TABLE attendance ("
	 " id {{ID}},"
	 " session_id BIGINT NOT NULL REFERENCES therapy_session(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " status TEXT NOT NULL,"
	 " note TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX attendance_session ON attendance(session_id, patient_id, id);"

	 /* Who supervises whom: a supervised clinician's signed notes await
	  * the supervisor's co-signature. Ending one sets ended_at. */
	 "CREATE TABLE supervision ("
	 " id {{ID}},"
	 " user_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " supervisor_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " started_at TEXT NOT NULL,"
	 " started_by TEXT NOT NULL,"
	 " ended_at TEXT,"
	 " ended_by TEXT);"
	 "CREATE INDEX supervision_user ON supervision(user_id);"

	 /* A progress note on a session (one per session). Its content is
	  * versioned while a draft: each version has the charts it is filed
	  * to, the parts (patient_id NULL: the shared part; else that
	  * patient's individual part, which only their chart shows) and the
	  * plan objectives each patient's part addresses. Signing fixes a
	  * version; later text is an addendum with its own signature. */
	 "CREATE TABLE progress_note ("
	 " id {{ID}},"
	 " session_id BIGINT NOT NULL UNIQUE REFERENCES therapy_session(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " author_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " author TEXT NOT NULL,"
	 " created_at TEXT NOT NULL);"
	 "CREATE INDEX progress_note_author ON progress_note(author_id);"
	 "CREATE TABLE progress_note_version ("
	 " id {{ID}},"
	 " note_id BIGINT NOT NULL REFERENCES progress_note(id),"
	 " version BIGINT NOT NULL,"
	 " format TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL,"
	 " UNIQUE (note_id, version));"
	 "CREATE TABLE progress_note_patient ("
	 " version_id BIGINT NOT NULL REFERENCES progress_note_version(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " PRIMARY KEY (version_id, patient_id));"
	 "CREATE INDEX progress_note_patient_patient ON progress_note_patient(patient_id);"
	 "CREATE TABLE progress_note_part ("
	 " id {{ID}},"
	 " version_id BIGINT NOT NULL REFERENCES progress_note_version(id),"
	 " patient_id BIGINT REFERENCES patient(id),"
	 " section TEXT NOT NULL,"
	 " body TEXT NOT NULL);"
	 "CREATE INDEX progress_note_part_version ON progress_note_part(version_id);"
	 /* An objective is named by its plan and its key ("O3"), which the
	  * plan keeps across versions. */
	 "CREATE TABLE progress_note_objective ("
	 " version_id BIGINT NOT NULL REFERENCES progress_note_version(id),"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " plan_id BIGINT NOT NULL,"
	 " objective_key TEXT NOT NULL,"
	 " PRIMARY KEY (version_id, patient_id, plan_id, objective_key));"
	 /* kind author | cosign; cosigner_id: the supervisor who must co-sign. */
	 "CREATE TABLE progress_note_signature ("
	 " id {{ID}},"
	 " note_id BIGINT NOT NULL REFERENCES progress_note(id),"
	 " version_id BIGINT NOT NULL REFERENCES progress_note_version(id),"
	 " kind TEXT NOT NULL,"
	 " user_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " username TEXT NOT NULL,"
	 " signed_at TEXT NOT NULL,"
	 " cosigner_id BIGINT REFERENCES app_user(id),"
	 " UNIQUE (note_id, kind));"
	 "CREATE TABLE progress_note_addendum ("
	 " id {{ID}},"
	 " note_id BIGINT NOT NULL REFERENCES progress_note(id),"
	 " patient_id BIGINT REFERENCES patient(id),"
	 " body TEXT NOT NULL,"
	 " author_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " author TEXT NOT NULL,"
	 " signed_at TEXT NOT NULL);"
	 "CREATE INDEX progress_note_addendum_note ON progress_note_addendum(note_id);"

	 /* Psychotherapy notes: apart from the progress record, readable by
	  * their author only. */
	 "CREATE TABLE psychotherapy_note ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " site_id BIGINT NOT NULL REFERENCES site(id),"
	 " session_id BIGINT REFERENCES therapy_session(id),"
	 " author_id BIGINT NOT NULL REFERENCES app_user(id),"
	 " author TEXT NOT NULL,"
	 " body TEXT NOT NULL,"
	 " created_at TEXT NOT NULL);"
	 "CREATE INDEX psychotherapy_note_author ON psychotherapy_note(author_id, patient_id);"

	 /* An alert addressed to one user (the consecutive-absence alert goes
	  * to the patient's primary clinician). */
	 "CREATE TABLE alert_recipient ("
	 " id {{ID}},"
	 " alert_id BIGINT NOT NULL UNIQUE REFERENCES alert(id),"
	 " user_id BIGINT NOT NULL REFERENCES app_user(id));"

	 /* Triggers, coping strategies with effectiveness ratings over time,
	  * warning signs and support contacts: the relapse-prevention plan is
	  * assembled from them. Retiring an item is a row of its own. */
	 "CREATE TABLE patient_trigger ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " category TEXT NOT NULL,"
	 " description TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX patient_trigger_patient ON patient_trigger(patient_id);"
	 "CREATE TABLE coping_strategy ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " description TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX coping_strategy_patient ON coping_strategy(patient_id);"
	 "CREATE TABLE coping_trigger ("
	 " strategy_id BIGINT NOT NULL REFERENCES coping_strategy(id),"
	 " trigger_id BIGINT NOT NULL REFERENCES patient_trigger(id),"
	 " PRIMARY KEY (strategy_id, trigger_id));"
	 "CREATE TABLE coping_rating ("
	 " id {{ID}},"
	 " strategy_id BIGINT NOT NULL REFERENCES coping_strategy(id),"
	 " effectiveness BIGINT NOT NULL,"
	 " note TEXT,"
	 " rated_on TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX coping_rating_strategy ON coping_rating(strategy_id);"
	 "CREATE TABLE warning_sign ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " description TEXT NOT NULL,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX warning_sign_patient ON warning_sign(patient_id);"
	 "CREATE TABLE support_contact ("
	 " id {{ID}},"
	 " patient_id BIGINT NOT NULL REFERENCES patient(id),"
	 " name TEXT NOT NULL,"
	 " relationship TEXT,"
	 " phone TEXT,"
	 " recorded_at TEXT NOT NULL,"
	 " recorded_by TEXT NOT NULL);"
	 "CREATE INDEX support_contact_patient ON support_contact(patient_id);"
	 "CREATE TABLE relapse_item_retired ("
	 " id {{ID}},"
	 " kind TEXT NOT NULL,"
	 " item_id BIGINT NOT NULL,"
	 " reason TEXT NOT NULL,"
	 " retired_at TEXT NOT NULL,"
	 " retired_by TEXT NOT NULL,"
	 " UNIQUE (kind, item_id));"},
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* SQLite only: make the audit table refuse UPDATE and DELETE. Anyone with the
 * file can drop these; `tandem audit verify` is what detects tampering. */
static const char *sqlite_audit_guard =
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit rows are append-only'); END;";

/* PostgreSQL: the same guard as a trigger function. */
static const char *pg_audit_guard =
	"CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$ BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" FOR EACH ROW EXECUTE FUNCTION audit_append_only();";

int migrate_latest(void)
{
	return migrations[N_MIGRATIONS - 1].version;
}

static enum tdm_status ensure_table(struct db *db, struct tdm_err *err)
{
	return db_exec(db,
		       "CREATE TABLE IF NOT EXISTS schema_migration ("
		       " version BIGINT PRIMARY KEY,"
		       " name TEXT NOT NULL,"
		       " applied_at TEXT NOT NULL)",
		       err);
}

enum tdm_status migrate_version(struct db *db, int *version, struct tdm_err *err)
{
	enum tdm_status rc = ensure_table(db, err);
	if (rc)
		return rc;
	struct stmt *st = db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migration", err);
	if (!st)
		return err->code;
	int64_t v = 0;
	int found;
	rc = db_query_int(st, &v, &found, err);
	*version = (int)v;
	return rc;
}

static enum tdm_status expand(const struct db *db, const char *sql, struct buf *out)
{
	buf_reset(out);
	const char *p = sql, *q;
	while ((q = strstr(p, "{{ID}}"))) {
		buf_add(out, p, (size_t)(q - p));
		buf_adds(out, db->ops->id_column);
		p = q + 6;
	}
	buf_adds(out, p);
	return out->err ? (enum tdm_status)out->err : TDM_OK;
}

enum tdm_status migrate_apply(struct db *db, int *applied, struct tdm_err *err)
{
	int have;
	enum tdm_status rc;
	*applied = 0;
	if ((rc = migrate_version(db, &have, err)))
		return rc;
	if (have > migrate_latest())
		return tdm_fail(err, TDM_EDB, "db",
				"database schema version %d is newer than this tandem (%d)",
				have, migrate_latest());
	struct buf sql;
	buf_init(&sql, 1 << 20);
	for (int i = 0; i < N_MIGRATIONS && rc == TDM_OK; i++) {
		const struct migration *m = &migrations[i];
		if (m->version <= have)
			continue;
		if ((rc = expand(db, m->sql, &sql)))
			break;
		if ((rc = db_begin(db, DB_WRITE, err)))
			break;
		rc = db_exec(db, sql.p, err);
		if (!rc && m->version == 1)
			rc = db_exec(db, !strcmp(db->ops->name, "sqlite") ? sqlite_audit_guard
									 : pg_audit_guard, err);
		if (!rc) {
			char now[INSTANT_LEN];
			instant_now(now);
			struct stmt *st = db_prepare(db,
				"INSERT INTO schema_migration(version, name, applied_at) VALUES (?, ?, ?)", err);
			if (!st) {
				rc = err->code;
			} else {
				db_bind_int(st, 1, m->version);
				db_bind_text(st, 2, m->name);
				db_bind_text(st, 3, now);
				rc = db_run(st, err);
			}
		}
		if (!rc)
			rc = db_commit(db, err);
		else
			db_rollback(db);
		if (!rc)
			(*applied)++;
	}
	buf_release(&sql);
	return rc;
}
