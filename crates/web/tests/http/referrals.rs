//! Referrals, offer chains, the offers report and rota exceptions through HTTP: the JSON API (bad input
//! is a 4xx problem naming its fields, and changes nothing) and the staff pages (error summary, forms
//! that post and redirect, nothing about the patient in an address).

#[allow(unused_imports)]
use super::*;
use jiff::ToSpan;
use jiff::civil::Date;
use uuid::Uuid;

/// One site (Europe/London), one GP offering 10-minute appointments every day 09:00–10:00, reception's
/// and a practice manager's tokens, and a registered patient with an NHS number.
struct Practice {
    app: App,
    router: Router,
    desk: String,
    manager: String,
    clinician: String,
    site: String,
    gp: String,
    service: String,
    patient: String,
}

const NHS: &str = "9434765919";

async fn practice(db: Db) -> Practice {
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
    let clinician = token_for(&app, "clinician").await;
    let post = |uri: &str, token: &str, body: String| {
        let (router, token, uri) = (router.clone(), token.to_owned(), uri.to_owned());
        async move {
            let res = api(&router, Method::POST, &uri, Some(&token), Some(("application/json", &body))).await;
            assert_eq!(res.status, StatusCode::CREATED, "{uri}: {}", res.body);
            res.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let gp =
        post("/api/v1/practitioners", &manager, r#"{"display_name":"Dr Amina Shah","profession":"GP"}"#.into()).await;
    let service = post(
        "/api/v1/services",
        &manager,
        format!(r#"{{"name":"GP appointment","duration_minutes":10,"mode":"face_to_face","max_days_ahead":366,"practitioners":["{gp}"]}}"#),
    )
    .await;
    for day in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
        post(
            "/api/v1/rota-sessions",
            &manager,
            format!(
                r#"{{"practitioner_id":"{gp}","site_id":"{}","weekday":"{day}","starts":"09:00","ends":"10:00","valid_from":"2026-01-01","opens_on_bank_holidays":true,"services":["{service}"]}}"#,
                site.id
            ),
        )
        .await;
    }
    let patient = post(
        "/api/v1/patients?confirm_possible_duplicate=true",
        &desk,
        format!(r#"{{"nhs_number":"{NHS}","given_names":"Zoë","family_name":"Okoro","date_of_birth":"1980-02-01"}}"#),
    )
    .await;
    Practice { app, router, desk, manager, clinician, site: site.id.to_string(), gp, service, patient }
}

impl Practice {
    async fn call(&self, method: Method, uri: &str, token: &str, body: Option<&str>) -> Resp {
        api(&self.router, method, uri, Some(token), body.map(|b| ("application/json", b))).await
    }

    fn referral(&self, priority: &str, received: Date) -> String {
        format!(
            r#"{{"patient_id":"{}","source_organisation":"Bristol Royal Infirmary","referrer":"Dr Helen Marsh","priority":"{priority}","received_on":"{received}","reason":"Chest pain; please review","service_id":"{}"}}"#,
            self.patient, self.service
        )
    }

    async fn referral_count(&self) -> usize {
        store::scheduling::referrals(self.app.db()).await.unwrap().len()
    }
}

fn today() -> Date {
    app::patients::today()
}

fn field_names(p: &Value) -> Vec<String> {
    p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

both_backends! {
    async fn referrals_are_recorded_booked_and_warned_about_through_the_api(db: Db) {
        let p = practice(db).await;
        let res = p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&p.referral("urgent_suspected_cancer", today() - 13.days()))).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let r = res.json();
        let id = r["id"].as_str().unwrap().to_owned();
        assert_eq!(res.location(), format!("/api/v1/referrals/{id}"));
        assert_eq!((r["state"].as_str(), r["target_status"].as_str(), r["days_to_target"].as_i64()), (Some("waiting"), Some("approaching"), Some(1)));
        assert_eq!(r["target_date"], (today() + 1.days()).to_string());
        assert!(r["reason"].is_null(), "reception does not see the clinical reason");
        assert!(r["waiting_list_entry_id"].as_str().is_some());
        let seen_by_gp = p.call(Method::GET, &format!("/api/v1/referrals/{id}"), &p.clinician, None).await;
        assert_eq!(seen_by_gp.json()["reason"], "Chest pain; please review");
        assert_eq!(p.call(Method::GET, "/api/v1/referrals", &p.desk, None).await.json().as_array().unwrap().len(), 1);
        let warnings = p.call(Method::GET, "/api/v1/referrals/warnings", &p.desk, None).await.json();
        assert_eq!(warnings[0]["id"], id.as_str());

        // Bad input: a clear 4xx naming the field, and nothing recorded.
        let unknown_patient = p.referral("routine", today()).replace(&p.patient, &Uuid::now_v7().to_string());
        assert_problem(&p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&unknown_patient)).await, StatusCode::NOT_FOUND, "not-found");
        for (body, field) in [
            (p.referral("routine", today() + 1.days()), "received_on"),
            (p.referral("asap", today()), "priority"),
            (p.referral("routine", today()).replace(&today().to_string(), "2027-02-30"), "received_on"),
            (p.referral("routine", today()).replace(&today().to_string(), "yesterday"), "received_on"),
            (p.referral("routine", today()).replace(&p.service, &Uuid::now_v7().to_string()), "service_id"),
            (p.referral("routine", today()).replace("\"reason\"", "\"colour\":\"red\",\"reason\""), "colour"),
            (p.referral("routine", today()).replace(&format!(",\"service_id\":\"{}\"", p.service), ""), "body"),
        ] {
            let res = p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&body)).await;
            let problem = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            assert!(field_names(&problem)[0].starts_with(field), "{field}: {problem}");
        }
        assert_problem(&p.call(Method::POST, "/api/v1/referrals", &p.desk, Some("{not json")).await, StatusCode::BAD_REQUEST, "malformed-json");
        let by_admin = p.call(Method::POST, "/api/v1/referrals", &token_for(&p.app, "admin").await, Some(&p.referral("routine", today()))).await;
        assert_problem(&by_admin, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(p.referral_count().await, 1, "nothing recorded by bad requests");
        assert_problem(&p.call(Method::GET, &format!("/api/v1/referrals/{}", Uuid::now_v7()), &p.desk, None).await, StatusCode::NOT_FOUND, "not-found");
        let junk_id = p.call(Method::GET, "/api/v1/referrals/not-an-id", &p.desk, None).await;
        assert!(junk_id.status.is_client_error() && junk_id.content_type().starts_with("application/problem+json"), "{}", junk_id.status);

        // Booking: a local time at the site; a bad start names `start`; booked once.
        let tomorrow = today() + 1.days();
        let bad_start = p.call(Method::POST, &format!("/api/v1/referrals/{id}/book"), &p.desk, Some(&format!(r#"{{"practitioner_id":"{}","start":"tomorrow"}}"#, p.gp))).await;
        assert_eq!(field_names(&assert_problem(&bad_start, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["start"]);
        let not_a_slot = p.call(Method::POST, &format!("/api/v1/referrals/{id}/book"), &p.desk, Some(&format!(r#"{{"practitioner_id":"{}","start":"{}T09:05"}}"#, p.gp, tomorrow))).await;
        assert_eq!(field_names(&assert_problem(&not_a_slot, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["start"]);
        let booked = p.call(Method::POST, &format!("/api/v1/referrals/{id}/book"), &p.desk, Some(&format!(r#"{{"practitioner_id":"{}","start":"{}T09:20"}}"#, p.gp, tomorrow))).await;
        assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
        let b = booked.json();
        assert_eq!(b["state"], "booked");
        assert_eq!(b["appointment_start"], tomorrow.at(9, 20, 0, 0).in_tz("Europe/London").unwrap().timestamp().to_string());
        let twice = p.call(Method::POST, &format!("/api/v1/referrals/{id}/book"), &p.desk, Some(&format!(r#"{{"practitioner_id":"{}","start":"{}T09:40"}}"#, p.gp, tomorrow))).await;
        assert_eq!(field_names(&assert_problem(&twice, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["status"]);
        assert!(p.call(Method::GET, "/api/v1/referrals/warnings", &p.desk, None).await.json().as_array().unwrap().is_empty());

        // Booked when recorded: a taken time is 409 with alternatives and records nothing.
        let with_time = |start: &str| p.referral("urgent", today()).replace("}", &format!(r#","appointment":{{"practitioner_id":"{}","start":"{start}"}}}}"#, p.gp));
        let taken = p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&with_time(&format!("{tomorrow}T09:20")))).await;
        let problem = assert_problem(&taken, StatusCode::CONFLICT, "slot-unavailable");
        assert!(!problem["alternatives"].as_array().unwrap().is_empty());
        let malformed = p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&with_time("soon"))).await;
        assert_eq!(field_names(&assert_problem(&malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["appointment.start"]);
        assert_eq!(p.referral_count().await, 1);
        let direct = p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&with_time(&format!("{tomorrow}T09:40")))).await;
        assert_eq!(direct.status, StatusCode::CREATED, "{}", direct.body);
        assert_eq!((direct.json()["state"].as_str(), direct.json()["waiting_list_entry_id"].is_null()), (Some("booked"), true));

        // Seen.
        let bad_close = p.call(Method::POST, &format!("/api/v1/referrals/{id}/close"), &p.desk, Some(r#"{"outcome":"other"}"#)).await;
        assert_eq!(field_names(&assert_problem(&bad_close, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["note"]);
        let closed = p.call(Method::POST, &format!("/api/v1/referrals/{id}/close"), &p.desk, Some(r#"{"outcome":"seen","note":"Seen by Dr Shah"}"#)).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
        assert_eq!((closed.json()["state"].as_str(), closed.json()["outcome"].as_str()), (Some("seen"), Some("seen")));

        // Targets are the organisation's to change.
        let t = p.call(Method::GET, "/api/v1/referrals/targets", &p.desk, None).await.json();
        assert_eq!((t["urgent_suspected_cancer_days"].as_i64(), t["warn_days"].as_i64()), (Some(14), Some(3)));
        let new_targets = r#"{"urgent_suspected_cancer_days":14,"urgent_days":21,"routine_days":126,"warn_days":5}"#;
        assert_problem(&p.call(Method::PUT, "/api/v1/referrals/targets", &p.desk, Some(new_targets)).await, StatusCode::FORBIDDEN, "forbidden");
        let bad_targets = p.call(Method::PUT, "/api/v1/referrals/targets", &p.manager, Some(r#"{"urgent_suspected_cancer_days":0,"urgent_days":21,"routine_days":126,"warn_days":5}"#)).await;
        assert_eq!(field_names(&assert_problem(&bad_targets, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["urgent_suspected_cancer_days"]);
        let set = p.call(Method::PUT, "/api/v1/referrals/targets", &p.manager, Some(new_targets)).await;
        assert_eq!((set.status, set.json()["urgent_days"].as_i64()), (StatusCode::OK, Some(21)));
    }

    async fn offer_chains_the_offers_report_and_rota_exceptions_through_the_api(db: Db) {
        let p = practice(db).await;
        let made = p.call(Method::POST, "/api/v1/referrals", &p.desk, Some(&p.referral("urgent", today()))).await.json();
        let entry = made["waiting_list_entry_id"].as_str().unwrap().to_owned();
        let offers = p.call(Method::GET, &format!("/api/v1/waiting-list/{entry}/offers"), &p.desk, None).await;
        assert_eq!((offers.status, offers.json().as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
        // A cancellation is offered to the referral's entry; the chain shows it.
        let tomorrow = today() + 1.days();
        let other = p.call(Method::POST, "/api/v1/patients?confirm_possible_duplicate=true", &p.desk, Some(r#"{"given_names":"Ann","family_name":"Other","date_of_birth":"1970-01-01"}"#)).await.json();
        let booking = format!(r#"{{"patient_id":"{}","service_id":"{}","practitioner_id":"{}","start":"{tomorrow}T09:30"}}"#, other["id"].as_str().unwrap(), p.service, p.gp);
        let appt = p.call(Method::POST, "/api/v1/appointments", &p.desk, Some(&booking)).await.json();
        let cancelled = p.call(Method::POST, &format!("/api/v1/appointments/{}/cancel", appt["id"].as_str().unwrap()), &p.desk, Some(r#"{"by":"patient"}"#)).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
        let offers = p.call(Method::GET, &format!("/api/v1/waiting-list/{entry}/offers"), &p.desk, None).await.json();
        assert_eq!((offers[0]["outcome"].as_str(), offers[0]["chain_position"].as_i64()), (Some("open"), Some(1)));
        assert_eq!(offers[0]["slot"]["practitioner"], "Dr Amina Shah");
        assert_eq!(offers[0]["chain"][0]["patient_id"], p.patient.as_str());
        assert_eq!(p.call(Method::GET, &format!("/api/v1/referrals/{}", made["id"].as_str().unwrap()), &p.desk, None).await.json()["state"], "offered");
        assert_problem(&p.call(Method::GET, &format!("/api/v1/waiting-list/{}/offers", Uuid::now_v7()), &p.desk, None).await, StatusCode::NOT_FOUND, "not-found");

        // The offers report (managers).
        let report = |q: String| {
            let (router, token) = (p.router.clone(), p.manager.clone());
            async move { api(&router, Method::GET, &format!("/api/v1/reports/offers{q}"), Some(&token), None).await }
        };
        let r = report(format!("?from={}&to={}", today(), today())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        assert_eq!((r["slots_offered"].as_i64(), r["offers_made"].as_i64(), r["open"].as_i64(), r["slots_filled"].as_i64()), (Some(1), Some(1), Some(1), Some(0)));
        assert_eq!(r["fill_rate"].as_f64(), Some(0.0));
        assert!(r["median_minutes_to_fill"].is_null());
        let bad = report("?from=2027-02-30&to=someday".into()).await;
        assert_eq!(field_names(&assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["from", "to"]);
        let backwards = report(format!("?from={}&to={}", today(), today() - 1.days())).await;
        assert_eq!(field_names(&assert_problem(&backwards, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["to"]);
        let extra_param = report(format!("?from={}&to={}&patient=x", today(), today())).await;
        assert_eq!(field_names(&assert_problem(&extra_param, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["patient", ]);
        let missing = report(String::new()).await;
        assert_eq!(field_names(&assert_problem(&missing, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["from", "to"]);
        let by_desk = p.call(Method::GET, &format!("/api/v1/reports/offers?from={}&to={}", today(), today()), &p.desk, None).await;
        assert_problem(&by_desk, StatusCode::FORBIDDEN, "forbidden");

        // Rota exceptions.
        let uri = format!("/api/v1/practitioners/{}/rota-exceptions", p.gp);
        let day = today() + 20.days();
        let leave = p.call(Method::POST, &uri, &p.manager, Some(&format!(r#"{{"kind":"leave","date_from":"{day}","date_until":"{}"}}"#, day + 4.days()))).await;
        assert_eq!(leave.status, StatusCode::CREATED, "{}", leave.body);
        assert_eq!((leave.json()["kind"].as_str(), leave.json()["date_until"].as_str()), (Some("leave"), Some((day + 4.days()).to_string().as_str())));
        let backwards = p.call(Method::POST, &uri, &p.manager, Some(&format!(r#"{{"kind":"training","date_from":"{day}","date_until":"{}","starts":"13:00","ends":"12:00"}}"#, day - 1.days()))).await;
        assert_eq!(field_names(&assert_problem(&backwards, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["date_until", "ends"]);
        let extra = |starts: &str, ends: &str| format!(r#"{{"kind":"extra","date_from":"{}","starts":"{starts}","ends":"{ends}","site_id":"{}","services":["{}"]}}"#, day + 10.days(), p.site, p.service);
        let overlap = p.call(Method::POST, &uri, &p.manager, Some(&extra("09:45", "11:00"))).await;
        assert_eq!(field_names(&assert_problem(&overlap, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["starts"]);
        let malformed = p.call(Method::POST, &uri, &p.manager, Some(&extra("25:00", "noon"))).await;
        assert_eq!(field_names(&assert_problem(&malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["starts", "ends"]);
        let ok_extra = p.call(Method::POST, &uri, &p.manager, Some(&extra("14:00", "15:00"))).await;
        assert_eq!((ok_extra.status, ok_extra.json()["kind"].as_str()), (StatusCode::CREATED, Some("extra")));
        let by_desk = p.call(Method::POST, &uri, &p.desk, Some(&extra("16:00", "17:00"))).await;
        assert_problem(&by_desk, StatusCode::FORBIDDEN, "forbidden");
        let nobody = p.call(Method::POST, &format!("/api/v1/practitioners/{}/rota-exceptions", Uuid::now_v7()), &p.manager, Some(&extra("16:00", "17:00"))).await;
        assert_problem(&nobody, StatusCode::NOT_FOUND, "not-found");
        let stored = store::scheduling::exceptions_of(p.app.db(), &[p.gp.parse().unwrap()], "2000-01-01", "2100-01-01").await.unwrap();
        assert_eq!(stored.len(), 2, "only the good ones were added");
    }

    async fn the_referral_and_waiting_list_pages(db: Db) {
        let p = practice(db).await;
        let mut c = Client::new(&p.router);
        let csrf = c.signed_in("reception").await;
        let one_h1 = |body: &str| assert_eq!(body.matches("<h1").count(), 1, "one h1: {body}");

        let list = c.get("/staff/referrals").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        one_h1(&list.body);
        assert!(list.body.contains("Near or past their target date"));
        let form = c.get("/staff/referrals/new").await;
        assert_eq!(form.status, StatusCode::OK);
        one_h1(&form.body);
        assert!(form.body.contains("name=\"csrf_token\""));

        // Mistakes: an error summary linking to each field, what was typed kept, nothing recorded.
        let empty = c.post_form("/staff/referrals/new", &[("csrf_token", &csrf), ("source_organisation", "Bristol Royal Infirmary")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("app-error-summary") && empty.body.contains("href=\"#nhs_number\""), "{}", empty.body);
        assert!(empty.body.contains("<title>Error: "));
        let service = p.service.clone();
        let tomorrow = (today() + 1.days()).strftime("%d/%m/%Y").to_string();
        let wrong = c.post_form("/staff/referrals/new", &[
            ("csrf_token", &csrf), ("nhs_number", "943 476 5919"), ("source_organisation", "Bristol Royal Infirmary"),
            ("referrer", ""), ("priority", "whenever"), ("received_on", &tomorrow), ("reason", "Lump"), ("service_id", &service),
        ]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["referrer", "priority", "received_on"] {
            assert!(wrong.body.contains(&format!("href=\"#{field}\"")), "{field}: {}", wrong.body);
        }
        assert!(wrong.body.contains("value=\"Bristol Royal Infirmary\""), "typed values kept");
        let unknown = c.post_form("/staff/referrals/new", &[
            ("csrf_token", &csrf), ("nhs_number", "401 023 2137"), ("source_organisation", "A"), ("referrer", "B"),
            ("priority", "routine"), ("received_on", "01/01/2020"), ("reason", "C"), ("service_id", &service),
        ]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("No patient has this NHS number"));
        let no_csrf = c.post_form("/staff/referrals/new", &[("nhs_number", NHS)]).await;
        assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
        assert_eq!(p.referral_count().await, 0);

        // Recorded: post, redirect to the referral (an id, nothing about the patient), flash shown once.
        let received = (today() - 12.days()).strftime("%d/%m/%Y").to_string();
        let done = c.post_form("/staff/referrals/new", &[
            ("csrf_token", &csrf), ("nhs_number", "943 476 5919"), ("source_organisation", "Riverside Dental Practice"),
            ("referrer", "Mr Owen Price"), ("priority", "urgent_suspected_cancer"), ("received_on", &received),
            ("reason", "Non-healing ulcer"), ("service_id", &service),
        ]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let at = done.location().to_owned();
        let id = at.strip_prefix("/staff/referrals/").expect("the referral's page");
        assert!(id.parse::<Uuid>().is_ok(), "{at}");
        let page = c.get(&at).await;
        assert_eq!(page.status, StatusCode::OK);
        one_h1(&page.body);
        assert!(page.body.contains("Referral recorded"));
        assert!(page.body.contains("Due in 2 days"), "the target in words, not only colour");
        assert!(page.body.contains("Shown to clinicians and practice managers only"));
        assert!(!c.get(&at).await.body.contains("Referral recorded"), "the flash shows once");
        let list = c.get("/staff/referrals").await.body;
        let warnings = &list[list.find("id=\"warnings\"").unwrap()..list.find("id=\"all-referrals\"").unwrap()];
        assert!(warnings.contains("OKORO, Zoë") && warnings.contains("Due in 2 days"), "{warnings}");

        // Booking from the page: a bad time is an error beside the field; a good one books.
        let bad = c.post_form(&format!("{at}/book"), &[("csrf_token", &csrf), ("practitioner_id", &p.gp), ("date", "31/02/2027"), ("time", "9")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("href=\"#date\"") && bad.body.contains("href=\"#time\""));
        let day = (today() + 1.days()).strftime("%d/%m/%Y").to_string();
        let booked = c.post_form(&format!("{at}/book"), &[("csrf_token", &csrf), ("practitioner_id", &p.gp), ("date", &day), ("time", "09:10")]).await;
        assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
        let page = c.get(&at).await.body;
        assert!(page.contains("Appointment booked") && page.contains("(booked)"), "{page}");

        // The waiting list: by priority, with the entry (booked now) and its status in words.
        let wl = c.get("/staff/waiting-list").await;
        assert_eq!(wl.status, StatusCode::OK);
        one_h1(&wl.body);
        assert!(wl.body.contains("id=\"urgent\"") && wl.body.contains("OKORO, Zoë") && wl.body.contains("Booked"), "{}", wl.body);
        assert!(wl.body.contains("No offers yet"));

        // Close as seen.
        let missing = c.post_form(&format!("{at}/close"), &[("csrf_token", &csrf)]).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.body.contains("href=\"#outcome\""));
        let seen = c.post_form(&format!("{at}/close"), &[("csrf_token", &csrf), ("outcome", "seen"), ("note", "")]).await;
        assert_eq!(seen.status, StatusCode::SEE_OTHER);
        assert!(c.get(&at).await.body.contains("Referral marked as seen"));
        assert_eq!(c.get(&format!("/staff/referrals/{}", Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);

        // Only staff who work with the diary.
        let mut guardian = Client::new(&p.router);
        guardian.signed_in("guardian").await;
        assert_eq!(guardian.get("/staff/referrals").await.status, StatusCode::FORBIDDEN);
        assert_eq!(guardian.get("/staff/waiting-list").await.status, StatusCode::FORBIDDEN);
    }

    async fn the_access_report_counts_cancellations_and_third_next_available(db: Db) {
        let p = practice(db).await;
        let tomorrow = today() + 1.days();
        let booking = format!(r#"{{"patient_id":"{}","service_id":"{}","practitioner_id":"{}","start":"{tomorrow}T09:30"}}"#, p.patient, p.service, p.gp);
        let appt = p.call(Method::POST, "/api/v1/appointments", &p.desk, Some(&booking)).await.json();
        let cancelled = p.call(Method::POST, &format!("/api/v1/appointments/{}/cancel", appt["id"].as_str().unwrap()), &p.desk, Some(r#"{"by":"patient"}"#)).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
        let path = format!("/api/v1/reports/access?from={tomorrow}&to={tomorrow}");
        let r = p.call(Method::GET, &path, &p.manager, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        assert_eq!((r["attended"].as_i64(), r["missed"].as_i64(), r["cancelled"].as_i64()), (Some(0), Some(0), Some(1)));
        assert!(r["missed_rate"].is_null(), "nothing was due yet");
        assert_eq!(r["by_lead_time"].as_array().map(Vec::len), Some(6));
        let tna = &r["third_next_available"][0];
        assert_eq!(tna["service_id"], p.service.as_str());
        let days = tna["third_next_available_days"].as_i64().expect("six slots a day: three free within a day");
        assert!((0..=1).contains(&days), "{days}");
        assert_problem(&p.call(Method::GET, &path, &p.desk, None).await, StatusCode::FORBIDDEN, "forbidden");
        let bad = p.call(Method::GET, "/api/v1/reports/access?from=2027-13-01", &p.manager, None).await;
        assert_eq!(field_names(&assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")), ["from", "to"]);
    }
}
