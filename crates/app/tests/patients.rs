//! Registry use-cases on both backends: registration and duplicates, search, viewing and changing records.

use app::governance::users::NewUser;
use app::{Actor, App, AppConfig, AppError, Ctx, Via};
use carefront_app as app;
use domain::governance::{Purpose, Role};
use domain::patients::record::{PatientInput, PhoneInput};
use store::{Db, both_backends};

async fn setup(db: Db) -> App {
    let app = App::new(db, AppConfig::default());
    let mut tx = app.db().begin().await.unwrap();
    let org = store::organisation::OrganisationRow {
        id: domain::new_id(),
        name: "Test Practice".into(),
        ods_code: None,
        created_at: store::Ts(domain::time::now()),
    };
    store::organisation::insert_organisation(&mut tx, &org).await.unwrap();
    tx.commit().await.unwrap();
    app
}

async fn as_role(app: &App, role: Role) -> Ctx {
    let username = format!("t.{}", role.as_str().replace('_', "."));
    let user = match store::governance::users::by_username(app.db(), &username).await.unwrap() {
        Some(u) => u,
        None => app
            .create_user(
                &Ctx::command_line(),
                NewUser {
                    username,
                    display_name: "Test".into(),
                    role: role.as_str().into(),
                    password: "violet kettle harbour 42".into(),
                },
            )
            .await
            .unwrap(),
    };
    Ctx::anonymous(domain::new_id(), Some("127.0.0.1".into())).with_actor(Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role,
        via: Via::Session,
    })
}

fn person(given: &str, family: &str, dob: &str) -> PatientInput {
    PatientInput {
        given_names: given.into(),
        family_name: family.into(),
        date_of_birth: dob.into(),
        ..Default::default()
    }
}

async fn audit_of(app: &App, action: &str) -> Vec<domain::governance::audit::AuditEvent> {
    store::governance::audit::page_after(app.db(), 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entry.action == action)
        .collect()
}

/// Run a CSV import as the command line does; every row must be accepted.
async fn import_csv(app: &App, csv: &str) -> app::patients::import::ImportSummary {
    let mut rejected = Vec::new();
    let summary = app
        .import_patients(
            &Ctx::command_line(),
            csv.as_bytes(),
            |r| {
                rejected.push(r.clone());
                Ok(())
            },
            |_| (),
        )
        .await
        .unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    summary
}

/// Run one statement behind the application's back (to leave the state an interrupted import leaves).
async fn exec(db: &Db, sql: &'static str) {
    match db {
        Db::Sqlite(p, _) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
    }
}

both_backends! {
    async fn registering_refuses_clashes_and_asks_about_likely_duplicates(db: Db) {
        let app = setup(db).await;
        let desk = as_role(&app, Role::Receptionist).await;
        let mut zoe = person("Zoë", "O'Brien", "01/02/1980");
        zoe.nhs_number = Some("943 476 5919".into());
        zoe.phones = vec![PhoneInput { number: "07700 900123".into(), kind: None }];
        let first = app.register_patient(&desk, &zoe, false).await.unwrap();

        let mut same_nhs = person("Someone", "Else", "1990-01-01");
        same_nhs.nhs_number = Some("9434765919".into());
        match app.register_patient(&desk, &same_nhs, true).await {
            Err(AppError::Duplicate { code: "duplicate-nhs-number", existing, .. }) => assert_eq!(existing[0].id, first.id),
            other => panic!("expected a duplicate NHS number, got {other:?}"),
        }

        // Same date of birth and a name one letter out: a warning the user must confirm.
        let likely = person("Zoe", "OBrian", "1980-02-01");
        match app.register_patient(&desk, &likely, false).await {
            Err(AppError::Duplicate { code: "possible-duplicate", existing, .. }) => {
                assert_eq!(existing[0].id, first.id);
                assert_eq!(existing[0].reason, "same date of birth and a similar name");
            }
            other => panic!("expected a possible duplicate, got {other:?}"),
        }
        let mut same_mobile = person("Adam", "Ant", "1954-11-03");
        same_mobile.phones = vec![PhoneInput { number: "+447700900123".into(), kind: None }];
        assert!(matches!(app.register_patient(&desk, &same_mobile, false).await, Err(AppError::Duplicate { code: "possible-duplicate", .. })));
        app.register_patient(&desk, &likely, true).await.expect("confirmed, so registered");

        let bad = person("  ", "x", "30/02/1980");
        match app.register_patient(&desk, &bad, false).await {
            Err(AppError::Invalid(inv)) => assert_eq!(inv.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), vec!["given_names", "date_of_birth"]),
            other => panic!("{other:?}"),
        }
        let admin = as_role(&app, Role::Admin).await;
        assert!(matches!(app.register_patient(&admin, &person("A", "B", "2000-01-01"), false).await, Err(AppError::Forbidden { .. })));
        let events = audit_of(&app, "register_patient").await;
        let registered: Vec<_> = events.iter().filter(|e| e.entry.outcome.as_str() == "allowed").collect();
        assert_eq!(registered.len(), 2);
        assert_eq!(events.iter().filter(|e| e.entry.outcome.as_str() == "denied").count(), 1, "the admin's refusal is recorded");
        assert_eq!(registered[0].entry.patient_id, Some(first.id));
    }

    async fn search_understands_numbers_dates_phones_postcodes_and_names(db: Db) {
        let app = setup(db).await;
        let desk = as_role(&app, Role::Receptionist).await;
        let mut zoe = person("Zoë", "O'Brien", "01/02/1980");
        zoe.nhs_number = Some("943 476 5919".into());
        zoe.preferred_name = Some("Zed".into());
        zoe.postcode = Some("bs1 4dj".into());
        zoe.phones = vec![PhoneInput { number: "07700 900123".into(), kind: None }];
        zoe.email = Some("zoe@example.com".into());
        let zoe_id = app.register_patient(&desk, &zoe, false).await.unwrap().id;
        for (g, f, d) in [("Anh", "Nguyễn", "1975-06-30"), ("Zack", "Obrey", "1980-02-01"), ("Mary", "Smith-Jones", "1962-12-25"), ("John", "Smith", "1991-07-14"), ("Jon", "Smyth", "1988-03-03")] {
            app.register_patient(&desk, &person(g, f, d), true).await.unwrap();
        }
        let first_id = |r: &app::patients::search::SearchResults| r.patients.first().map(|p| p.id);
        for q in ["9434765919", "943 476 5919", "07700 900123", "+447700900123", "BS14DJ", "bs1 4dj", "zoe@example.com", "obrien", "OBRIEN zoe", "o'brien", "zed", "zo obr", "obrein", "01/02/1980 obrien", "1 Feb 1980 Zoe"] {
            let r = app.search_patients(&desk, q, None, 1).await.unwrap();
            assert_eq!(first_id(&r), Some(zoe_id), "{q}: {:?}", r.patients.iter().map(|p| &p.family_name).collect::<Vec<_>>());
        }
        let outward = app.search_patients(&desk, "bs1", None, 1).await.unwrap();
        assert_eq!((outward.kind, outward.patients.first().map(|p| p.id)), (app::patients::search::QueryKind::Postcode, Some(zoe_id)));
        assert_eq!(app.search_patients(&desk, "BS14", None, 1).await.unwrap().total, 0, "BS14 is another district");
        let by_dob = app.search_patients(&desk, "1980-02-01", None, 1).await.unwrap();
        assert_eq!(by_dob.total, 2);
        let accents = app.search_patients(&desk, "nguyen", None, 1).await.unwrap();
        assert_eq!(accents.patients[0].family_name, "Nguyễn");
        let hyphen = app.search_patients(&desk, "jones", None, 1).await.unwrap();
        assert_eq!(hyphen.patients[0].family_name, "Smith-Jones");
        let smiths = app.search_patients(&desk, "smith", None, 1).await.unwrap();
        let names: Vec<&str> = smiths.patients.iter().map(|p| p.family_name.as_str()).collect();
        assert_eq!(names, vec!["Smith", "Smith-Jones", "Smyth"], "exact word first, then prefix, then one typo");
        assert_eq!(app.search_patients(&desk, "nobody here", None, 1).await.unwrap().total, 0);
        assert!(matches!(app.search_patients(&desk, "  ", None, 1).await, Err(AppError::Invalid(_))));

        let searches = audit_of(&app, "search_patients").await;
        assert!(searches.iter().all(|e| e.entry.purpose.as_deref() == Some("administration")));
        assert!(searches.iter().all(|e| !e.entry.reason.clone().unwrap_or_default().contains("obrien")), "no query text in the audit log");
        let admin = as_role(&app, Role::Admin).await;
        assert!(matches!(app.search_patients(&admin, "smith", None, 1).await, Err(AppError::Forbidden { .. })));
    }

    async fn name_search_pages_through_every_match_once_in_rank_order(db: Db) {
        let app = setup(db).await;
        let desk = as_role(&app, Role::Receptionist).await;
        let mut want: Vec<(String, String)> = Vec::new();
        for (family, n) in [("Harris", 44), ("Hart", 3), ("Hardy", 2)] {
            for i in 0..n {
                let given = format!("Ann{}", (b'a' + i as u8 % 26) as char).repeat(1 + i / 26);
                app.register_patient(&desk, &person(&given, family, "1970-01-01"), true).await.unwrap();
                want.push((family.to_owned(), given));
            }
        }
        // Listed under "harris" and under "harry": shown once, at its first place.
        app.register_patient(&desk, &person("Harry", "Harris", "1960-05-05"), true).await.unwrap();
        want.push(("Harris".into(), "Harry".into()));
        let key = |(f, g): &(String, String)| {
            let group = ["hardy", "harris", "hart"].iter().position(|x| *x == f.to_lowercase()).unwrap();
            (group, g.to_lowercase())
        };
        want.sort_by_key(key);
        let mut got = Vec::new();
        for page in 1..=3 {
            let r = app.search_patients(&desk, "har", None, page).await.unwrap();
            assert_eq!((r.total, r.truncated), (50, false));
            got.extend(r.patients.into_iter().map(|p| (p.family_name, p.given_names)));
        }
        assert_eq!(got, want, "every match once, grouped by matched name, by name within each");
        assert!(app.search_patients(&desk, "har", None, 4).await.unwrap().patients.is_empty());
        assert!(matches!(app.search_patients(&desk, "har", None, 251).await, Err(AppError::Invalid(_))));

        let both = app.search_patients(&desk, "harry har", None, 1).await.unwrap();
        let names: Vec<String> = both.patients.iter().map(|p| format!("{} {}", p.given_names, p.family_name)).collect();
        assert_eq!(names, vec!["Harry Harris", "Anna Hardy", "Annb Hardy"], "both words matched whole first; harry is a typo of hardy");
        let ranked = app.search_patients(&desk, "ann harris", None, 1).await.unwrap();
        assert_eq!(ranked.total, 44);
        assert_eq!(ranked.patients[0].given_names, "Anna", "equal matches by name");
        for typo in ["hrat", "xart", "harst", "hat"] {
            let r = app.search_patients(&desk, typo, None, 1).await.unwrap();
            assert!(r.patients.iter().any(|p| p.family_name == "Hart"), "{typo} finds Hart");
        }

        // An index emptied by a migration that reshaped it is rebuilt at the next start.
        match app.db() {
            Db::Sqlite(p, _) => { sqlx::query("DELETE FROM patient_terms").execute(p).await.unwrap(); }
            Db::Postgres(p) => { sqlx::query("DELETE FROM patient_terms").execute(p).await.unwrap(); }
        }
        assert_eq!(app.search_patients(&desk, "hart", None, 1).await.unwrap().total, 0);
        app.db().migrate().await.unwrap();
        assert_eq!(app.search_patients(&desk, "hart", None, 1).await.unwrap().total, 3);
    }

    async fn a_bulk_import_is_searchable_at_its_end_and_an_interrupted_one_is_finished_at_the_next_start(db: Db) {
        let app = setup(db).await;
        let desk = as_role(&app, Role::Receptionist).await;
        let mut csv = String::from("nhs_number,local_number,given_names,family_name,date_of_birth,postcode,mobile,email\n");
        csv.push_str("943 476 5919,L1,Zoë,O'Brien,01/02/1980,bs1 4dj,07700 900123,zoe@example.com\n");
        for i in 0..60 {
            csv.push_str(&format!(",L{},Ann,Hartley,1970-01-{:02},,,\n", i + 2, i % 28 + 1));
        }
        // An empty registry: a bulk load (indexes built and name postings moved at the end).
        let first = import_csv(&app, &csv).await;
        assert_eq!((first.added, first.already_present, first.rejected), (61, 0, 0));
        let zoe = |r: &app::patients::search::SearchResults| r.patients.iter().filter(|p| p.family_name == "O'Brien").count();
        for q in ["obrien", "zoe obrien", "07700 900123", "1980-02-01", "bs1 4dj", "zoe@example.com", "9434765919"] {
            let r = app.search_patients(&desk, q, None, 1).await.unwrap();
            assert_eq!((zoe(&r), r.total), (1, 1), "{q}");
        }
        assert_eq!(app.search_patients(&desk, "hartley", None, 1).await.unwrap().total, 60);
        assert_eq!(store::patients::ensure_indexes(app.db()).await.unwrap(), 0, "every index was built at the end");
        assert!(!store::patients::name_index::has_staged(app.db()).await.unwrap(), "nothing left staged");
        assert_eq!(audit_of(&app, "import_patients").await.len(), 1, "one batch, one audit event");

        // Interrupted before its last step: indexes dropped, some postings still staged.
        store::patients::drop_deferred_indexes(app.db()).await.unwrap();
        exec(app.db(), "INSERT INTO patient_terms_staging (term_id, sort_key, patient_id, source) \
            SELECT term_id, sort_key, patient_id, source FROM patient_terms \
            WHERE patient_id IN (SELECT id FROM patients WHERE family_name = 'O''Brien')").await;
        exec(app.db(), "DELETE FROM patient_terms WHERE patient_id IN (SELECT id FROM patients WHERE family_name = 'O''Brien')").await;
        assert_eq!(app.search_patients(&desk, "obrien", None, 1).await.unwrap().total, 0, "staged postings are not searched");
        assert_eq!(store::patients::ensure_indexes(app.db()).await.unwrap(), 6, "all six were missing");
        store::patients::drop_deferred_indexes(app.db()).await.unwrap();
        // The next start finishes the job.
        app.db().migrate().await.unwrap();
        assert!(!store::patients::name_index::has_staged(app.db()).await.unwrap());
        assert_eq!(store::patients::ensure_indexes(app.db()).await.unwrap(), 0, "rebuilt at the start");
        let r = app.search_patients(&desk, "obrien", None, 1).await.unwrap();
        assert_eq!((zoe(&r), r.total), (1, 1));
        assert_eq!(app.search_patients(&desk, "07700 900123", None, 1).await.unwrap().total, 1);

        // The same file again adds nothing, and nobody is listed twice.
        let again = import_csv(&app, &csv).await;
        assert_eq!((again.added, again.already_present), (0, 61));
        assert_eq!(app.search_patients(&desk, "hartley", None, 1).await.unwrap().total, 60);
        let r = app.search_patients(&desk, "obrien", None, 1).await.unwrap();
        assert_eq!((zoe(&r), r.total), (1, 1));
        assert_eq!(store::patients::count(app.db()).await.unwrap(), 61);

        // A record merged while its postings were still staged is not listed when they are moved.
        let hartleys = app.search_patients(&desk, "hartley", None, 1).await.unwrap();
        let (gone, kept) = (hartleys.patients[0].id, hartleys.patients[1].id);
        exec(app.db(), "INSERT INTO patient_terms_staging (term_id, sort_key, patient_id, source) \
            SELECT term_id, sort_key, patient_id, source FROM patient_terms").await;
        exec(app.db(), "DELETE FROM patient_terms").await;
        let mut tx = app.db().begin().await.unwrap();
        store::patients::name_index::remove_record(&mut tx, gone).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store::patients::name_index::flush_staged(app.db()).await.unwrap() > 0);
        let ids: Vec<_> = app.search_patients(&desk, "hartley", None, 1).await.unwrap().patients.iter().map(|p| p.id).collect();
        assert!(!ids.contains(&gone) && ids.contains(&kept));
    }

    async fn viewing_is_audited_and_clinicians_break_the_glass_for_others(db: Db) {
        let app = setup(db).await;
        let desk = as_role(&app, Role::Receptionist).await;
        let mut gone = person("Dee", "Registered", "1970-01-01");
        gone.registration_status = Some("deregistered".into());
        let id = app.register_patient(&desk, &gone, false).await.unwrap().id;
        let record = app.view_patient(&desk, id, None, None).await.unwrap();
        assert_eq!(record.row.family_name, "Registered");

        let clinician = as_role(&app, Role::Clinician).await;
        assert!(matches!(app.view_patient(&clinician, id, None, None).await, Err(AppError::Forbidden { .. })));
        let opened = app.view_patient(&clinician, id, Some(Purpose::DirectCare), Some("Attending as emergency")).await.unwrap();
        assert!(opened.break_glass);
        let views = audit_of(&app, "view_patient").await;
        let outcomes: Vec<(&str, bool)> = views.iter().map(|e| (e.entry.outcome.as_str(), e.entry.break_glass)).collect();
        assert_eq!(outcomes, vec![("allowed", false), ("denied", false), ("allowed", true)]);
        assert!(views[2].entry.reason.as_deref().unwrap().contains("Attending as emergency"));
        assert!(views.iter().all(|e| e.entry.patient_id == Some(id)));
        assert!(matches!(app.view_patient(&desk, domain::new_id(), None, None).await, Err(AppError::NotFound { .. })));
    }

    async fn changes_keep_history_and_refuse_stale_versions(db: Db) {
        let app = setup(db).await;
        let desk = as_role(&app, Role::Receptionist).await;
        let mut input = person("Ann", "Lee", "1985-05-05");
        input.phones = vec![PhoneInput { number: "07700 900001".into(), kind: None }];
        let id = app.register_patient(&desk, &input, false).await.unwrap().id;
        let before = app.view_patient(&desk, id, None, None).await.unwrap();
        input.family_name = "Lee-Park".into();
        input.phones = vec![PhoneInput { number: "07700 900002".into(), kind: None }];
        let after = app.update_patient(&desk, id, &input, before.row.version, Some("Married"), None).await.unwrap();
        assert_eq!((after.row.family_name.as_str(), after.row.version), ("Lee-Park", before.row.version + 1));
        let history = store::patients::history(app.db(), id).await.unwrap();
        let fields: Vec<(&str, Option<&str>, Option<&str>)> = history.iter().map(|h| (h.field.as_str(), h.old_value.as_deref(), h.new_value.as_deref())).collect();
        assert!(fields.contains(&("family_name", Some("Lee"), Some("Lee-Park"))), "{fields:?}");
        assert!(fields.contains(&("phones", Some("+447700900001"), Some("+447700900002"))), "{fields:?}");
        assert!(history.iter().all(|h| h.reason.as_deref() == Some("Married")));
        // The search index follows the new name.
        assert_eq!(app.search_patients(&desk, "park", None, 1).await.unwrap().total, 1);

        let stale = app.update_patient(&desk, id, &input, before.row.version, None, None).await;
        assert!(matches!(stale, Err(AppError::Conflict { .. })), "{stale:?}");
        input.date_of_birth = "2099-01-01".into();
        assert!(matches!(app.update_patient(&desk, id, &input, after.row.version, None, None).await, Err(AppError::Invalid(_))));
        let unchanged = app.view_patient(&desk, id, None, None).await.unwrap();
        assert_eq!(unchanged.row.date_of_birth, "1985-05-05", "a refused change changes nothing");
    }
}
