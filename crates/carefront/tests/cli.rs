//! The `carefront` command as an operator runs it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn carefront(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_carefront"))
        .arg("--data")
        .arg(data)
        .args(["--log-format", "pretty"])
        .args(args)
        .env_remove("CAREFRONT_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run carefront");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A database with a few audit events: two users and a token.
fn populated(dir: &Path) {
    let out = carefront(dir, &["migrate"], None);
    assert!(out.status.success(), "{}", text(&out));
    for (role, user) in [("admin", "ops.admin"), ("receptionist", "desk.one")] {
        let out =
            carefront(dir, &["user", "add", "--role", role, "--username", user], Some("violet kettle harbour 42\n"));
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = carefront(dir, &["token", "create", "--user", "ops.admin", "--expires", "30"], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).trim().starts_with("cf_"), "the token goes to stdout");
}

/// Change the SQLite file behind Carefront's back, as someone with file access could.
fn tamper(dir: &Path, statements: &[&str]) {
    let url = format!("sqlite://{}", dir.join("carefront.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_events_no_update").execute(&mut c).await.unwrap();
        sqlx::query("DROP TRIGGER audit_events_no_delete").execute(&mut c).await.unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string())).execute(&mut c).await.unwrap();
        }
    });
}

#[test]
fn audit_verify_passes_on_a_clean_database() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let out = carefront(dir.path(), &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Audit log intact: 3 events"), "{}", text(&out));
}

#[test]
fn audit_verify_names_an_edited_event() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    tamper(dir.path(), &["UPDATE audit_events SET reason = 'nothing happened' WHERE seq = 2"]);
    let out = carefront(dir.path(), &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("event 2 has been altered"), "{}", text(&out));
}

#[test]
fn audit_verify_names_a_deleted_event() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    tamper(dir.path(), &["DELETE FROM audit_events WHERE seq = 2"]);
    let out = carefront(dir.path(), &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("event 3 found where event 2 should be"), "{}", text(&out));
}

#[test]
fn audit_verify_notices_the_newest_event_removed() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    tamper(dir.path(), &["DELETE FROM audit_events WHERE seq = 3"]);
    let out = carefront(dir.path(), &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("the chain head records event 3"), "{}", text(&out));
}

#[test]
fn bad_flags_and_values_exit_with_2_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = carefront(dir.path(), &["serve", "--colour", "red"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unexpected argument '--colour'"), "{}", text(&out));
    let out = carefront(dir.path(), &["user", "add", "--role", "wizard", "--username", "x"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("Unknown role 'wizard'"), "{}", text(&out));
    let out = carefront(dir.path(), &["serve", "--bind", "not-an-address"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = carefront(dir.path(), &["token", "create", "--user", "x", "--expires", "0"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bank_holiday_file_that_cannot_be_used_stops_serve_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.json");
    let out = carefront(dir.path(), &["serve", "--bank-holidays", missing.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("cannot read the bank-holiday file"), "{}", text(&out));
    // A truncated download (Scotland and Northern Ireland missing) would open practices on their holidays.
    let partial = dir.path().join("partial.json");
    std::fs::write(
        &partial,
        r#"{"england-and-wales":{"division":"england-and-wales","events":[{"title":"New Year's Day","date":"2029-01-01","notes":"","bunting":true}]}}"#,
    )
    .unwrap();
    let out = carefront(dir.path(), &["serve", "--bank-holidays", partial.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("cannot be used") && text(&out).contains("scotland"), "{}", text(&out));
}

#[test]
fn user_add_refuses_a_weak_password_and_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        carefront(dir.path(), &["user", "add", "--role", "clinician", "--username", "dr.who"], Some("password1234\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("too common"), "{}", text(&out));
    let ok = carefront(
        dir.path(),
        &["user", "add", "--role", "clinician", "--username", "dr.who"],
        Some("violet kettle harbour 42\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let again = carefront(
        dir.path(),
        &["user", "add", "--role", "clinician", "--username", "Dr.Who"],
        Some("violet kettle harbour 42\n"),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already a user called 'dr.who'"), "{}", text(&again));
}

#[test]
fn backup_writes_a_usable_copy() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    let out = carefront(dir.path(), &["backup", "--to", copy.join("carefront.db").to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    let out = carefront(&copy, &["audit", "verify"], None);
    assert!(text(&out).contains("Audit log intact: 3 events"), "the backup holds the same chain: {}", text(&out));
    let out = carefront(dir.path(), &["backup", "--to", copy.join("carefront.db").to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "never overwrites");
}

#[test]
fn a_database_from_a_newer_version_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let url = format!("sqlite://{}", dir.path().join("carefront.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99999, 'future', 1, x'00', 0)")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let out = carefront(dir.path(), &["migrate"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("newer version of Carefront"), "{}", text(&out));
}

#[test]
fn serve_answers_and_shuts_down_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carefront"))
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    assert!(first_line.contains("listening"), "{first_line}");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "exits cleanly on SIGTERM");
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("in-flight requests finished"), "{logs}");
    assert!(logs.lines().all(|l| l.starts_with('{')), "JSON logs by default: {logs}");
}

#[test]
fn import_patients_takes_good_rows_reports_bad_ones_and_never_doubles() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    // The organisation is created by the first `serve`/`demo`; import needs one.
    let url = format!("sqlite://{}", dir.path().join("carefront.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES (x'0190000000007000800000000000000a', 'Practice', 0)")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "\u{feff}NHS_Number,given_names,family_name,date_of_birth,postcode,mobile,local_number\n\
         943 476 5919,Zoë,O'Brien,01/02/1980,bs1 4dj,07700 900123,A1\n\
         943 476 5918,Bad,Check,01/02/1980,,,A2\n\
         ,Nguyễn,Anh,31/02/1990,XYZ,,A3\n\
         ,李,小龍,1975-11-27,,,A4\n\
         9912003888,Sam,Smith,2099-01-01,,12,A5\n\
         ,No,Local,1970-01-01,,,\n",
    )
    .unwrap();
    let first = carefront(dir.path(), &["import", "patients", csv.to_str().unwrap()], None);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("3 added, 0 already on file, 3 rejected"), "{}", text(&first));
    let report = std::fs::read_to_string(dir.path().join("export.rejected.csv")).unwrap();
    assert!(report.starts_with("row,field,reason\n"));
    assert!(report.contains("3,nhs_number,"), "{report}");
    assert!(report.contains("4,date_of_birth,") && report.contains("4,postcode,"), "{report}");
    assert!(report.contains("6,date_of_birth,") && report.contains("6,mobile,"), "{report}");
    let again = carefront(dir.path(), &["import", "patients", csv.to_str().unwrap()], None);
    // The rows with an NHS or local number are matched and skipped; the row with neither cannot be told
    // from a new patient, so it is added again (the README says so).
    assert!(text(&again).contains("1 added, 2 already on file, 3 rejected"), "{}", text(&again));
    let bad_header = dir.path().join("bad.csv");
    std::fs::write(&bad_header, "name,dob\nA,1980-01-01\n").unwrap();
    let out = carefront(dir.path(), &["import", "patients", bad_header.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("Unknown column 'name'") && text(&out).contains("'given_names' is required"),
        "{}",
        text(&out)
    );
    let verify = carefront(dir.path(), &["audit", "verify"], None);
    assert!(verify.status.success(), "imports are audited in the chain: {}", text(&verify));
}
