//! The waiting-room screen (its key, its live updates), site settings (API and page), running-late
//! delays, and a practitioner's private calendar feed, through HTTP.

#[allow(unused_imports)]
use super::*;
use axum::body::Body;
use jiff::{SignedDuration, Timestamp};
use store::Ts;
use uuid::Uuid;

/// One site (Europe/London), one GP, a receptionist's and a practice manager's tokens.
struct Site {
    app: App,
    router: Router,
    desk: String,
    manager: String,
    site: Uuid,
    gp: Uuid,
    service: Uuid,
}

async fn site(db: Db) -> Site {
    let (app, router) = setup(db).await;
    let site = add_site(&app).await;
    app.create_user(
        &Ctx::command_line(),
        NewUser {
            username: "manager".into(),
            display_name: "Manager".into(),
            role: "practice_manager".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let desk = token_for(&app, "reception").await;
    let manager = token_for(&app, "manager").await;
    let created = |uri: &'static str, body: String| {
        let (router, manager) = (router.clone(), manager.clone());
        async move {
            let res = api(&router, Method::POST, uri, Some(&manager), Some(("application/json", &body))).await;
            assert_eq!(res.status, StatusCode::CREATED, "{uri}: {}", res.body);
            res.json()["id"].as_str().unwrap().parse::<Uuid>().unwrap()
        }
    };
    let gp = created("/api/v1/practitioners", r#"{"display_name":"Dr Amina Shah","profession":"GP"}"#.into()).await;
    let service = created(
        "/api/v1/services",
        format!(r#"{{"name":"GP appointment","duration_minutes":10,"mode":"face_to_face","practitioners":["{gp}"]}}"#),
    )
    .await;
    Site { app, router, desk, manager, site: site.id, gp, service }
}

impl Site {
    async fn call(&self, method: Method, uri: &str, token: &str, body: Option<&str>) -> Resp {
        api(&self.router, method, uri, Some(token), body.map(|b| ("application/json", b))).await
    }

    async fn patient(&self, given: &str) -> Uuid {
        let body = format!(r#"{{"given_names":"{given}","family_name":"Testing","date_of_birth":"1980-01-01"}}"#);
        let res =
            self.call(Method::POST, "/api/v1/patients?confirm_possible_duplicate=true", &self.desk, Some(&body)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()["id"].as_str().unwrap().parse().unwrap()
    }

    /// A checked-in appointment that started a few minutes ago (today in London), written to the store.
    async fn waiting(&self, patient: Uuid) -> Uuid {
        let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
        let now = Timestamp::now();
        let day_start = now.to_zoned(tz.clone()).date().to_zoned(tz).unwrap().timestamp();
        let start = (now - SignedDuration::from_mins(5)).max(day_start);
        let a = store::scheduling::AppointmentRow {
            id: Uuid::now_v7(),
            patient_id: patient,
            practitioner_id: self.gp,
            service_id: self.service,
            site_id: self.site,
            room_id: None,
            starts_at: Ts(start),
            ends_at: Ts(start + SignedDuration::from_mins(10)),
            mode: "face_to_face".into(),
            status: "arrived".into(),
            active: true,
            hold_expires_at: None,
            channel: "desk".into(),
            booked_by: None,
            overbooked: false,
            overbook_reason: None,
            interpreter_language: None,
            longer: false,
            cancelled_by: None,
            cancel_reason: None,
            arrived_at: Some(Ts(start)),
            called_at: None,
            finished_at: None,
            sequence: 0,
            rescheduled_from: None,
            version: 1,
            created_at: Ts(now),
            updated_at: Ts(now),
        };
        let mut tx = self.app.db().begin().await.unwrap();
        store::scheduling::insert_appointment(&mut tx, &a).await.unwrap();
        tx.commit().await.unwrap();
        a.id
    }
}

/// Open a live stream: its status, content type and body (read with [`next_event`]).
async fn open_stream(router: &Router, uri: &str) -> (StatusCode, String, Body) {
    let res = router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (res.status(), ct, res.into_body())
}

/// The next server-sent event on a stream (keep-alive comments skipped), within 10 seconds.
async fn next_event(body: &mut Body) -> String {
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(end) = text.find("\n\n") {
                let event: String = text[..end].to_owned();
                text.drain(..end + 2);
                if event.lines().all(|l| l.starts_with(':')) {
                    continue;
                }
                return event;
            }
            let frame = body.frame().await.expect("the stream ended").expect("a frame");
            if let Ok(data) = frame.into_data() {
                text.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    })
    .await
    .expect("an event within 10 seconds")
}

both_backends! {
    async fn the_screen_needs_its_key_shows_no_names_and_updates_live(db: Db) {
        let s = site(db).await;
        let site = s.site;
        for uri in [format!("/display/{site}/not-the-key"), "/display/not-a-site/key".to_owned(), format!("/display/{site}/not-the-key/events")] {
            let res = Client::new(&s.router).get(&uri).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}");
            assert!(res.content_type().starts_with("text/html"), "{uri}: a page, not an error document");
        }
        let refused = s.call(Method::POST, &format!("/api/v1/sites/{site}/display-key"), &s.desk, None).await;
        assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
        let unknown = s.call(Method::POST, &format!("/api/v1/sites/{}/display-key", Uuid::nil()), &s.manager, None).await;
        assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
        let made = s.call(Method::POST, &format!("/api/v1/sites/{site}/display-key"), &s.manager, None).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let path = made.json()["path"].as_str().unwrap().to_owned();
        assert!(path.starts_with(&format!("/display/{site}/")) && path.len() > 60, "{path}");
        let key_hash = store::scheduling::reception::site_settings(s.app.db(), site).await.unwrap().unwrap().display_key_hash.unwrap();
        assert!(!key_hash.contains(path.rsplit('/').next().unwrap()), "only the key's hash is kept");

        let screen = Client::new(&s.router).get(&path).await;
        assert_eq!(screen.status, StatusCode::OK);
        assert!(screen.content_type().starts_with("text/html"));
        assert!(screen.body.contains(r#"<noscript><meta http-equiv="refresh" content="15"></noscript>"#), "{}", screen.body);
        assert!(screen.body.contains("Now calling") && screen.body.contains("Please take a seat"));
        assert!(screen.body.contains(&format!(r#"data-events="{path}/events""#)));
        assert_eq!(screen.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        for asset in ["/static/display.css", "/static/display.js"] {
            assert_eq!(Client::new(&s.router).get(asset).await.status, StatusCode::OK, "{asset}");
        }

        // A patient waiting; the screen's live stream starts with the state as it is.
        let ann = s.patient("Annabel").await;
        let a = s.waiting(ann).await;
        let (status, ct, mut stream) = open_stream(&s.router, &format!("{path}/events")).await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/event-stream"));
        let first = next_event(&mut stream).await;
        assert!(first.starts_with("event: state") && first.contains("Please take a seat"), "{first}");
        assert!(first.contains("Dr Amina Shah"), "the clinician is listed: {first}");

        // Reception calls her in: the stream sends the change, without her name.
        let called = s.call(Method::POST, &format!("/api/v1/appointments/{a}/call"), &s.desk, None).await;
        assert_eq!(called.status, StatusCode::OK, "{}", called.body);
        let update = next_event(&mut stream).await;
        assert!(update.contains("please go to") && update.contains("Dr Amina Shah"), "{update}");
        assert!(update.contains("Next patient"), "no ticket (she was checked in before tickets): {update}");
        assert!(!update.contains("Annabel") && !update.contains("Testing"), "{update}");

        // By initials, when the site says so; still never the name.
        let patch = s.call(Method::PATCH, &format!("/api/v1/sites/{site}/settings"), &s.manager, Some(r#"{"display_names_as":"initials"}"#)).await;
        assert_eq!(patch.status, StatusCode::OK, "{}", patch.body);
        let update = next_event(&mut stream).await;
        assert!(update.contains("A T") && !update.contains("Annabel"), "{update}");

        // A new key: the open screen is told it is gone, and the old address is a 404.
        let again = s.call(Method::POST, &format!("/api/v1/sites/{site}/display-key"), &s.manager, None).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert!(next_event(&mut stream).await.starts_with("event: gone"));
        assert_eq!(Client::new(&s.router).get(&path).await.status, StatusCode::NOT_FOUND);
        let new_path = again.json()["path"].as_str().unwrap().to_owned();
        let screen = Client::new(&s.router).get(&new_path).await;
        assert!(screen.body.contains("please go to") && screen.body.contains("A T"), "{}", screen.body);

        // Staff see the same state over the API.
        let view = s.call(Method::GET, &format!("/api/v1/sites/{site}/display"), &s.desk, None).await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.body);
        assert_eq!(view.json()["calls"][0]["label"], "A T");
        assert!(!view.body.contains("Annabel"));
    }

    async fn site_settings_refuse_bad_input_and_change_nothing(db: Db) {
        let s = site(db).await;
        let uri = format!("/api/v1/sites/{}/settings", s.site);
        let read = s.call(Method::GET, &uri, &s.desk, None).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let v = read.json();
        assert_eq!((v["display_names_as"].as_str(), v["late_threshold_minutes"].as_i64(), v["display_key_set"].as_bool()), (Some("ticket"), Some(20), Some(false)));
        assert_problem(&s.call(Method::GET, &format!("/api/v1/sites/{}/settings", Uuid::nil()), &s.desk, None).await, StatusCode::NOT_FOUND, "not-found");
        assert_problem(&s.call(Method::GET, "/api/v1/sites/not-a-site/settings", &s.desk, None).await, StatusCode::BAD_REQUEST, "bad-request");
        assert_problem(&s.call(Method::PATCH, &uri, &s.desk, Some(r#"{"late_threshold_minutes":30}"#)).await, StatusCode::FORBIDDEN, "forbidden");
        for (body, field) in [
            (r#"{"late_threshold_minutes":4}"#, "late_threshold_minutes"),
            (r#"{"late_threshold_minutes":241}"#, "late_threshold_minutes"),
            (r#"{"late_threshold_minutes":-5}"#, "late_threshold_minutes"),
            (r#"{"late_threshold_minutes":"ten"}"#, "late_threshold_minutes"),
            (r#"{"late_threshold_minutes":12.5}"#, "late_threshold_minutes"),
            (r#"{"display_names_as":"names"}"#, "display_names_as"),
            (r#"{"phone":"12"}"#, "phone"),
            (r#"{"phone":"  "}"#, "phone"),
            (r#"{"phone":"0117 496 0123 ext 4"}"#, "phone"),
            (r#"{"display_names_as":"initials","colour":"red"}"#, "body"),
            ("{}", "body"),
        ] {
            let res = s.call(Method::PATCH, &uri, &s.manager, Some(body)).await;
            let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            assert!(fields.iter().any(|f| f.starts_with(field) || (field == "body" && !f.is_empty())), "{body}: {p}");
        }
        let unknown = s.call(Method::PATCH, &format!("/api/v1/sites/{}/settings", Uuid::nil()), &s.manager, Some(r#"{"late_threshold_minutes":30}"#)).await;
        assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
        let malformed = s.call(Method::PATCH, &uri, &s.manager, Some(r#"{"late_threshold_minutes":"#)).await;
        assert_problem(&malformed, StatusCode::BAD_REQUEST, "malformed-json");
        let v = s.call(Method::GET, &uri, &s.desk, None).await.json();
        assert_eq!((v["display_names_as"].as_str(), v["late_threshold_minutes"].as_i64(), v["phone"].as_str()), (Some("ticket"), Some(20), Some("0117 496 0123")), "nothing changed");
        let ok = s.call(Method::PATCH, &uri, &s.manager, Some(r#"{"late_threshold_minutes":35,"display_names_as":"initials"}"#)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!((ok.json()["display_names_as"].as_str(), ok.json()["late_threshold_minutes"].as_i64(), ok.json()["phone"].as_str()), (Some("initials"), Some(35), Some("0117 496 0123")));
        // A new number, as the practice writes it; messages use it from now on.
        let phone = s.call(Method::PATCH, &uri, &s.manager, Some(r#"{"phone":" 029  2018 0123 "}"#)).await;
        assert_eq!(phone.json()["phone"], "029 2018 0123", "{}", phone.body);
        let contact = store::messaging::outbox::site_contact(s.app.db(), s.site).await.unwrap().unwrap();
        assert_eq!(contact.phone.as_deref(), Some("029 2018 0123"));

        // Delays: a patient waiting 5 minutes past their time makes the GP 5 minutes late.
        let ann = s.patient("Ann").await;
        s.waiting(ann).await;
        let delays = s.call(Method::GET, &format!("/api/v1/sites/{}/delays", s.site), &s.desk, None).await;
        assert_eq!(delays.status, StatusCode::OK, "{}", delays.body);
        let d = &delays.json()[0];
        assert_eq!((d["practitioner"].as_str(), d["running_late"].as_bool()), (Some("Dr Amina Shah"), Some(false)));
        assert!(d["delay_minutes"].as_i64().unwrap() <= 5);
        assert_problem(&s.call(Method::GET, &format!("/api/v1/sites/{}/delays", Uuid::nil()), &s.desk, None).await, StatusCode::NOT_FOUND, "not-found");
        let guardian = token_for(&s.app, "guardian").await;
        assert_problem(&s.call(Method::GET, &format!("/api/v1/sites/{}/delays", s.site), &guardian, None).await, StatusCode::FORBIDDEN, "forbidden");
    }

    async fn the_settings_page_explains_mistakes_and_shows_a_new_screen_address_once(db: Db) {
        let s = site(db).await;
        let page_uri = format!("/staff/sites/{}/settings", s.site);
        let mut desk = Client::new(&s.router);
        let desk_csrf = desk.signed_in("reception").await;
        let page = desk.get(&page_uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Only a practice manager can change these") && !page.body.contains("Save settings"));
        assert!(desk.get("/staff/sites").await.body.contains(&page_uri));

        let mut manager = Client::new(&s.router);
        manager.signed_in("manager").await;
        let page = manager.get(&page_uri).await;
        assert!(page.body.contains("Save settings"), "{}", page.body);
        let csrf = page.csrf();
        let bad = manager.post_form(&page_uri, &[("csrf_token", &csrf), ("display_names_as", "ticket"), ("late_threshold_minutes", "2")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("<a href=\"#late_threshold_minutes\">Enter the running-late threshold as whole minutes from 5 to 240</a>"), "{}", bad.body);
        assert!(bad.body.contains("value=\"2\""), "what was typed is kept");
        let words = manager.post_form(&page_uri, &[("csrf_token", &csrf), ("late_threshold_minutes", "twenty")]).await;
        assert_eq!(words.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(words.body.contains("#display_names_as") && words.body.contains("#late_threshold_minutes"));
        let no_phone = manager.post_form(&page_uri, &[("csrf_token", &csrf), ("display_names_as", "initials"), ("late_threshold_minutes", "25"), ("phone", "")]).await;
        assert_eq!(no_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_phone.body.contains("<a href=\"#phone\">Enter the phone number patients should call"), "{}", no_phone.body);
        let good = manager.post_form(&page_uri, &[("csrf_token", &csrf), ("display_names_as", "initials"), ("late_threshold_minutes", "25"), ("phone", "0117 496 0999")]).await;
        assert_eq!((good.status, good.location()), (StatusCode::SEE_OTHER, page_uri.as_str()));
        let page = manager.get(&page_uri).await;
        assert!(page.body.contains("Settings saved.") && page.body.contains("value=\"25\"") && page.body.contains("value=\"0117 496 0999\""));

        let made = manager.post_form(&format!("/staff/sites/{}/display-key", s.site), &[("csrf_token", &csrf)]).await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let marker = "id=\"display-link\" href=\"";
        let start = made.body.find(marker).expect("the new address is shown") + marker.len();
        let link = made.body[start..].split('"').next().unwrap().to_owned();
        assert_eq!(Client::new(&s.router).get(&link).await.status, StatusCode::OK);
        assert!(!manager.get(&page_uri).await.body.contains(&link), "shown once only");
        let refused = desk.post_form(&format!("/staff/sites/{}/display-key", s.site), &[("csrf_token", &desk_csrf)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        // Staff may look at the screen without the key.
        assert_eq!(desk.get(&format!("/display/{}", s.site)).await.status, StatusCode::OK);
        assert_eq!(Client::new(&s.router).get(&format!("/display/{}", s.site)).await.status, StatusCode::SEE_OTHER);
    }

    async fn a_practitioner_feed_opens_with_its_token_only(db: Db) {
        let s = site(db).await;
        let uri = format!("/api/v1/practitioners/{}/feed-token", s.gp);
        assert_problem(&s.call(Method::POST, &uri, &s.desk, None).await, StatusCode::FORBIDDEN, "forbidden");
        assert_problem(&s.call(Method::POST, &format!("/api/v1/practitioners/{}/feed-token", Uuid::nil()), &s.manager, None).await, StatusCode::NOT_FOUND, "not-found");
        let made = s.call(Method::POST, &uri, &s.manager, None).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let path = made.json()["path"].as_str().unwrap().to_owned();
        assert!(path.starts_with(&format!("/feeds/practitioners/{}/", s.gp)) && path.ends_with(".ics"));
        let ann = s.patient("Annabel").await;
        let a = s.waiting(ann).await;
        let feed = Client::new(&s.router).get(&path).await;
        assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
        assert!(feed.content_type().starts_with("text/calendar"));
        assert!(feed.body.contains("BEGIN:VCALENDAR") && feed.body.contains(&format!("UID:{a}@carefront")));
        assert!(!feed.body.contains("Annabel") && !feed.body.contains("Testing"));
        let token = path.rsplit('/').next().unwrap().trim_end_matches(".ics").to_owned();
        for wrong in [
            format!("/feeds/practitioners/{}/not-the-token.ics", s.gp),
            format!("/feeds/practitioners/{}/{token}", s.gp),
            format!("/feeds/practitioners/{}/{token}.ics", Uuid::nil()),
            format!("/feeds/practitioners/not-an-id/{token}.ics"),
        ] {
            assert_eq!(Client::new(&s.router).get(&wrong).await.status, StatusCode::NOT_FOUND, "{wrong}");
        }
        assert_eq!(s.call(Method::POST, &uri, &s.manager, None).await.status, StatusCode::CREATED);
        assert_eq!(Client::new(&s.router).get(&path).await.status, StatusCode::NOT_FOUND, "a new address replaces the old");
    }
}
