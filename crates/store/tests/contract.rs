//! Contract tests: every repository behaves the same on SQLite and PostgreSQL.

use carefront_store::governance::{audit, sessions, tokens, users};
use carefront_store::{Ts, both_backends};
use domain::governance::audit::{AuditEntry, ChainVerifier, Outcome};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

fn at(offset_s: i64) -> Ts {
    Ts(domain::time::to_micros(Timestamp::from_second(1_795_000_000).unwrap() + SignedDuration::from_secs(offset_s)))
}

fn user(name: &str) -> users::UserRow {
    users::UserRow {
        id: domain::new_id(),
        organisation_id: None,
        username: name.into(),
        display_name: format!("{name} Display"),
        role: "receptionist".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        totp_secret: None,
        totp_last_step: None,
        locked_until: None,
        disabled: false,
        created_at: at(0),
        password_changed_at: at(0),
    }
}

fn entry(i: i64, patient: Option<Uuid>, actor: Option<Uuid>) -> AuditEntry {
    AuditEntry {
        at: at(i).0,
        actor_id: actor,
        actor_role: Some("clinician".into()),
        action: "view_patient".into(),
        resource_type: "patient".into(),
        resource_id: patient.map(|p| p.to_string()),
        patient_id: patient,
        purpose: Some("direct_care".into()),
        reason: Some("Zoë O'Brien's \"notes\" — 李".into()),
        outcome: Outcome::Allowed,
        break_glass: i % 4 == 0,
        operation_id: domain::new_id(),
        client_addr: Some("127.0.0.1".into()),
    }
}

both_backends! {
    async fn users_round_trip_and_usernames_are_unique(db: Db) {
        let u = user("anna.reception");
        let mut tx = db.begin().await.unwrap();
        users::insert(&mut tx, &u).await.unwrap();
        tx.commit().await.unwrap();

        let found = users::by_username(&db, "anna.reception").await.unwrap().expect("user stored");
        assert_eq!(found.id, u.id);
        assert_eq!(found.created_at, u.created_at, "timestamps survive the round trip exactly");
        assert!(!found.disabled);

        let mut tx = db.begin().await.unwrap();
        let err = users::insert(&mut tx, &user("anna.reception")).await.unwrap_err();
        assert!(err.is_unique_violation(), "{err}");
    }

    async fn totp_steps_only_move_forward(db: Db) {
        let u = user("totp.user");
        let mut tx = db.begin().await.unwrap();
        users::insert(&mut tx, &u).await.unwrap();
        users::set_totp_secret(&mut tx, u.id, Some("JBSWY3DPEHPK3PXP")).await.unwrap();
        assert!(users::advance_totp_step(&mut tx, u.id, 100).await.unwrap());
        assert!(!users::advance_totp_step(&mut tx, u.id, 100).await.unwrap(), "same step twice is a replay");
        assert!(!users::advance_totp_step(&mut tx, u.id, 99).await.unwrap());
        assert!(users::advance_totp_step(&mut tx, u.id, 101).await.unwrap());
        tx.commit().await.unwrap();
    }

    async fn login_failures_are_counted_in_a_window(db: Db) {
        let u = user("fails");
        let mut tx = db.begin().await.unwrap();
        users::insert(&mut tx, &u).await.unwrap();
        for i in 0..4 {
            users::record_login_failure(&mut tx, u.id, at(i * 60)).await.unwrap();
        }
        assert_eq!(users::login_failures_since(&mut tx, u.id, at(60)).await.unwrap(), 3);
        users::clear_login_failures(&mut tx, u.id).await.unwrap();
        assert_eq!(users::login_failures_since(&mut tx, u.id, at(0)).await.unwrap(), 0);
        tx.commit().await.unwrap();
    }

    async fn sessions_expire_and_can_all_be_removed_for_a_user(db: Db) {
        let u = user("sess");
        let mut tx = db.begin().await.unwrap();
        users::insert(&mut tx, &u).await.unwrap();
        tx.commit().await.unwrap();
        let row = |id: &str, exp| sessions::SessionRow { id: id.into(), user_id: Some(u.id), data: "{}".into(), expires_at: exp };
        assert!(sessions::create(&db, &row("a", at(100))).await.unwrap());
        assert!(!sessions::create(&db, &row("a", at(100))).await.unwrap(), "ids are never reused");
        sessions::save(&db, &row("b", at(200))).await.unwrap();
        assert!(sessions::load(&db, "a", at(50)).await.unwrap().is_some());
        assert!(sessions::load(&db, "a", at(100)).await.unwrap().is_none(), "expired at its expiry time");
        let mut tx = db.begin().await.unwrap();
        assert_eq!(sessions::delete_for_user(&mut tx, u.id).await.unwrap(), 2);
        tx.commit().await.unwrap();
        assert!(sessions::load(&db, "b", at(0)).await.unwrap().is_none());
    }

    async fn tokens_are_found_by_hash_and_revoked_once(db: Db) {
        let u = user("integration");
        let t = tokens::TokenRow { id: domain::new_id(), user_id: u.id, name: "lab feed".into(), created_at: at(0),
            expires_at: Some(at(3600)), revoked_at: None, last_used_at: None };
        let mut tx = db.begin().await.unwrap();
        users::insert(&mut tx, &u).await.unwrap();
        tokens::insert(&mut tx, &t, "abc123").await.unwrap();
        tx.commit().await.unwrap();

        let owner = tokens::by_hash(&db, "abc123").await.unwrap().expect("token found");
        assert_eq!((owner.user_id, owner.role.as_str(), owner.expires_at), (u.id, "receptionist", Some(at(3600))));
        assert!(tokens::by_hash(&db, "abc124").await.unwrap().is_none());
        tokens::touch(&db, t.id, at(10)).await.unwrap();

        let mut tx = db.begin().await.unwrap();
        assert!(tokens::revoke(&mut tx, t.id, at(20)).await.unwrap());
        assert!(!tokens::revoke(&mut tx, t.id, at(30)).await.unwrap(), "revoking twice changes nothing");
        tx.commit().await.unwrap();
        let after = tokens::by_id(&db, t.id).await.unwrap().unwrap();
        assert_eq!((after.revoked_at, after.last_used_at), (Some(at(20)), Some(at(10))));
    }

    async fn the_audit_chain_appends_lists_and_verifies(db: Db) {
        let patient = Some(domain::new_id());
        let actor = Some(domain::new_id());
        let mut tx = db.begin().await.unwrap();
        for i in 0..12 {
            audit::append(&mut tx, entry(i, if i % 2 == 0 { patient } else { None }, actor)).await.unwrap();
        }
        tx.commit().await.unwrap();

        // A rolled-back append leaves no trace and no gap.
        let mut tx = db.begin().await.unwrap();
        audit::append(&mut tx, entry(99, None, None)).await.unwrap();
        drop(tx);

        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        loop {
            let page = audit::page_after(&db, after, 5).await.unwrap();
            if page.is_empty() { break; }
            for ev in &page { verifier.push(ev).unwrap(); after = ev.seq; }
        }
        let (seq, hash) = audit::head(&db).await.unwrap();
        assert_eq!(verifier.finish(Some((seq, &hash))), Ok(12));

        let filter = audit::AuditFilter { patient_id: patient, limit: 100, ..Default::default() };
        let for_patient = audit::list(&db, &filter).await.unwrap();
        assert_eq!(for_patient.len(), 6);
        assert!(for_patient.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
        assert_eq!(for_patient[0].entry.reason.as_deref(), Some("Zoë O'Brien's \"notes\" — 李"));

        let windowed = audit::AuditFilter { from: Some(at(3)), to: Some(at(6)), limit: 100, ..Default::default() };
        assert_eq!(audit::list(&db, &windowed).await.unwrap().len(), 3);
        let paged = audit::AuditFilter { before_seq: Some(5), limit: 2, ..Default::default() };
        assert_eq!(audit::list(&db, &paged).await.unwrap().iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 3]);

        let glass = audit::unreviewed_break_glass(&db, 100).await.unwrap();
        assert_eq!(glass.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 5, 9]);
        let reviewer = user("guardian");
        let mut tx = db.begin().await.unwrap();
        users::insert(&mut tx, &reviewer).await.unwrap();
        assert!(audit::record_break_glass_review(&mut tx, 5, reviewer.id, at(50), "Justified: emergency").await.unwrap());
        assert!(!audit::record_break_glass_review(&mut tx, 5, reviewer.id, at(51), "again").await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(audit::unreviewed_break_glass(&db, 100).await.unwrap().len(), 2);
    }

    async fn the_audit_log_refuses_updates_and_deletes(db: Db) {
        let mut tx = db.begin().await.unwrap();
        audit::append(&mut tx, entry(1, None, None)).await.unwrap();
        tx.commit().await.unwrap();
        let upd = carefront_store::on_db!(&db, p => sqlx::query("UPDATE audit_events SET reason = 'x'").execute(p).await.map(|_| ()));
        assert!(upd.is_err(), "update must be refused");
        let del = carefront_store::on_db!(&db, p => sqlx::query("DELETE FROM audit_events").execute(p).await.map(|_| ()));
        assert!(del.is_err(), "delete must be refused");
    }

    async fn migrations_are_current_and_refuse_a_newer_database(db: Db) {
        assert!(db.schema_is_current().await.unwrap());
        db.migrate().await.expect("migrating twice is a no-op");
        let future = db.known_schema_version() + 1;
        carefront_store::on_db!(&db, p => sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, 'from the future', TRUE, $2, 0)")
            .bind(future).bind(vec![0u8; 48]).execute(p).await.map(|_| ())).unwrap();
        let err = db.migrate().await.unwrap_err();
        assert_eq!(err.code(), "newer-schema", "{err}");
        assert!(err.to_string().contains("newer version of Carefront"));
        assert!(!db.schema_is_current().await.unwrap());
    }
}
