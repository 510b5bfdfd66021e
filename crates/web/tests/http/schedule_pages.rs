//! The staff scheduling pages through HTTP, as a browser without JavaScript uses them: the day list
//! (columns per practitioner, needs and interpreter flags, check-in by number, row actions), the
//! appointment page (allowed actions only, cancel with who and why, history, calendar file), the booking
//! flow (service → week view → check → book → confirmation; a time taken meanwhile offers others) and
//! moving an appointment. Bad input gets an error summary or a 404 page, and changes nothing.

#[allow(unused_imports)]
use super::*;
use jiff::civil::Date;
use store::scheduling::AppointmentRow;
use uuid::Uuid;

/// A practice: one site (Europe/London), one GP offering 10-minute appointments every day from 09:00 to
/// 10:00 local, and a receptionist signed in at the desk.
pub(super) struct Practice {
    pub(super) app: App,
    pub(super) router: Router,
    pub(super) token: String,
    site: String,
    gp: String,
    service: String,
}

async fn practice(db: Db) -> Practice {
    practice_with(db, "").await
}

/// The same practice, with more settings for its service (`,"cancel_cutoff_minutes":2880`).
pub(super) async fn practice_with(db: Db, service_settings: &str) -> Practice {
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
    let manager = token_for(&app, "manager").await;
    let post = |uri: &'static str, body: String| {
        let (router, manager) = (router.clone(), manager.clone());
        async move {
            let res = api(&router, Method::POST, uri, Some(&manager), Some(("application/json", &body))).await;
            assert_eq!(res.status, StatusCode::CREATED, "{uri}: {}", res.body);
            res.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let gp = post("/api/v1/practitioners", r#"{"display_name":"Dr Amina Shah","profession":"GP"}"#.into()).await;
    let service = post(
        "/api/v1/services",
        format!(
            r#"{{"name":"GP appointment","duration_minutes":10,"mode":"face_to_face","max_days_ahead":366,"preparation":"Bring your medicines","practitioners":["{gp}"]{service_settings}}}"#
        ),
    )
    .await;
    for day in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
        post(
            "/api/v1/rota-sessions",
            format!(
                r#"{{"practitioner_id":"{gp}","site_id":"{}","weekday":"{day}","starts":"09:00","ends":"10:00","valid_from":"2026-01-01","opens_on_bank_holidays":true,"services":["{service}"]}}"#,
                site.id
            ),
        )
        .await;
    }
    let token = token_for(&app, "reception").await;
    Practice { app, router, token, site: site.id.to_string(), gp, service }
}

impl Practice {
    pub(super) async fn patient(&self, given: &str, extra: &str) -> String {
        let body =
            format!(r#"{{"given_names":"{given}","family_name":"Testing","date_of_birth":"1980-02-01"{extra}}}"#);
        let res = api(
            &self.router,
            Method::POST,
            "/api/v1/patients?confirm_possible_duplicate=true",
            Some(&self.token),
            Some(("application/json", &body)),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()["id"].as_str().unwrap().to_owned()
    }

    pub(super) async fn book(&self, patient: &str, start: &str) -> String {
        let body = format!(
            r#"{{"patient_id":"{patient}","service_id":"{}","practitioner_id":"{}","start":"{start}"}}"#,
            self.service, self.gp
        );
        let res = api(
            &self.router,
            Method::POST,
            "/api/v1/appointments",
            Some(&self.token),
            Some(("application/json", &body)),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()["id"].as_str().unwrap().to_owned()
    }

    pub(super) async fn stored(&self, id: &str) -> AppointmentRow {
        store::scheduling::appointment(self.app.db(), id.parse().unwrap()).await.unwrap().unwrap()
    }

    async fn desk(&self) -> (Client, String) {
        let mut desk = Client::new(&self.router);
        let csrf = desk.signed_in("reception").await;
        (desk, csrf)
    }

    fn day(&self, date: Date) -> String {
        format!("/staff/day?date={date}&site={}", self.site)
    }
}

pub(super) fn tomorrow() -> Date {
    jiff::Zoned::now().in_tz("Europe/London").unwrap().date().tomorrow().unwrap()
}

/// A local time at the site as an instant (`2027-06-07T08:00:00Z`).
pub(super) fn instant(date: Date, h: i8, m: i8) -> String {
    date.at(h, m, 0, 0).in_tz("Europe/London").unwrap().timestamp().to_string()
}

/// The value of a hidden field in a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} field in page")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// An address as it appears in an HTML attribute (askama escapes `&`).
fn attr(url: &str) -> String {
    url.replace('&', "&#38;")
}

both_backends! {
    async fn reception_reads_the_day_list_and_checks_in_by_number(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let ann = p.patient("Ann", r#","preferred_name":"Annie""#).await;
        let bob = p.patient("Bob", r#","interpreter_language":"ur""#).await;
        let a1 = p.book(&ann, &instant(day, 9, 0)).await;
        let b1 = p.book(&bob, &instant(day, 9, 20)).await;
        assert!(p.stored(&b1).await.longer, "an interpreter makes the appointment double length");
        let (mut desk, csrf) = p.desk().await;

        let home = desk.get("/staff").await;
        for link in ["href=\"/staff/day\">Day list", "href=\"/staff/waiting-list\">Waiting list", "href=\"/staff/referrals\">Referrals"] {
            assert!(home.body.contains(link), "nav link {link}");
        }
        let list = desk.get(&p.day(day)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        for shown in ["Dr Amina Shah", "Annie TESTING", "Bob TESTING", "born 1 Feb 1980", "09:00", "09:20 to 09:40", "Interpreter: Urdu",
            "Longer appointment", "No. 1", "No. 2", "Check in patient number", "Previous day", "Next day", "This is not today’s list"] {
            assert!(list.body.contains(shown), "{shown} missing from the day list");
        }
        assert!(list.body.contains(&format!("id=\"appt-{a1}\"")) && list.body.contains(&format!("href=\"/staff/appointments/{b1}\"")));
        assert!(list.body.contains(&attr(&p.day(day.tomorrow().unwrap()))), "next day link");
        let order = hidden(&list.body, "order");
        assert_eq!(order, format!("{a1},{b1}"), "numbers count from the earliest");

        // A wrong or missing number changes nothing.
        let date = day.to_string();
        let number = |n: &'static str| [("csrf_token", csrf.clone()), ("date", date.clone()), ("site", p.site.clone()), ("practitioner", String::new()), ("number", n.to_owned()), ("order", order.clone())];
        let empty = desk.post_form("/staff/day/check-in", &pairs(&number(" "))).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("<a href=\"#number\">Enter the number shown beside the patient</a>"), "{}", empty.body);
        let nine = desk.post_form("/staff/day/check-in", &pairs(&number("9"))).await;
        assert_eq!(nine.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nine.body.contains("There is no number 9 on this list"));
        assert!(nine.body.contains("<title>Error: Day list"), "the title says there is an error");
        assert_eq!(p.stored(&a1).await.status, "booked");
        assert_eq!(p.stored(&b1).await.status, "booked");

        // Number 2 and Enter.
        let done = desk.post_form("/staff/day/check-in", &pairs(&number("2"))).await;
        assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, p.day(day).as_str()), "{}", done.body);
        assert_eq!(p.stored(&b1).await.status, "arrived");
        assert_eq!(p.stored(&a1).await.status, "booked");
        let after = desk.get(done.location()).await;
        assert!(after.body.contains("Bob TESTING (09:20 with Dr Amina Shah) is checked in."), "{}", after.body);
        assert_eq!(hidden(&after.body, "order"), a1, "only patients still to arrive have numbers");
        assert!(after.body.contains("Call in<span class=\"app-visually-hidden\">: Bob TESTING, 09:20"));

        // Row buttons come back to the list.
        let back = p.day(day);
        let version = p.stored(&b1).await.version.to_string();
        let called = desk.post_form(&format!("/staff/appointments/{b1}/call"), &[("csrf_token", &csrf), ("version", &version), ("back", &back)]).await;
        assert_eq!((called.status, called.location()), (StatusCode::SEE_OTHER, back.as_str()));
        assert!(p.stored(&b1).await.called_at.is_some());
        let listed = desk.get(&back).await;
        assert!(listed.body.contains("Called in") && listed.body.contains("Finish<span"));
        let finished = desk.post_form(&format!("/staff/appointments/{b1}/finish"), &[("csrf_token", &csrf), ("back", &back)]).await;
        assert_eq!(finished.status, StatusCode::SEE_OTHER);
        assert_eq!(p.stored(&b1).await.status, "fulfilled");

        // An illegal move from the list (a stale page): the list again with the error summary, nothing changed.
        let again = desk.post_form(&format!("/staff/appointments/{b1}/check-in"), &[("csrf_token", &csrf), ("back", &back)]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains(&format!("<a href=\"#appt-{b1}\">This appointment has finished, so it cannot be checked in</a>")), "{}", again.body);
        assert_eq!(p.stored(&b1).await.status, "fulfilled");
        // A stale version is refused too.
        let stale = desk.post_form(&format!("/staff/appointments/{a1}/check-in"), &[("csrf_token", &csrf), ("version", "99"), ("back", &back)]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("changed by someone else"));
        assert_eq!(p.stored(&a1).await.status, "booked");

        // The practitioner's own column.
        let mine = desk.get(&format!("{}&practitioner={}", p.day(day), p.gp)).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.body.contains("Annie TESTING"));
        let views = audit_actions(&p.app).await.into_iter().filter(|(a, o, _)| a == "view_day_list" && o == "allowed").count();
        assert!(views >= 5, "every look at the day list is audited");
    }

    async fn the_day_list_refuses_bad_input_with_a_clear_page(db: Db) {
        let p = practice(db).await;
        let (mut desk, _) = p.desk().await;
        let today = desk.get("/staff/day").await;
        assert_eq!(today.status, StatusCode::OK, "{}", today.body);
        let date = jiff::Zoned::now().in_tz("Europe/London").unwrap().date();
        assert!(today.body.contains(&format!("value=\"{date}\"")) && today.body.contains("(today)"), "today at the site by default");
        assert!(today.body.contains("There are no appointments on this day."));

        for (query, field, message) in [
            ("date=2027-02-30", "date", "Enter a real date"),
            ("date=tomorrow", "date", "Enter a real date"),
            ("site=not-an-id", "site", "Choose a site from the list"),
            ("practitioner=42", "practitioner", "Choose a practitioner from the list"),
        ] {
            let res = desk.get(&format!("/staff/day?{query}")).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert!(res.body.contains(&format!("href=\"#{field}\">{message}")), "{query}: {}", res.body);
        }
        for query in [format!("site={}", Uuid::now_v7()), format!("practitioner={}", Uuid::now_v7())] {
            let res = desk.get(&format!("/staff/day?{query}")).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{query}");
            assert!(res.body.contains("not found"), "{}", res.body);
        }
        // A guardian has no day list.
        let mut guardian = Client::new(&p.router);
        guardian.signed_in("guardian").await;
        assert_eq!(guardian.get("/staff/day").await.status, StatusCode::FORBIDDEN);
        assert!(!guardian.get("/staff").await.body.contains("href=\"/staff/day\""), "no day list link");
    }

    async fn the_appointment_page_offers_only_allowed_actions(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let ann = p.patient("Ann", "").await;
        let id = p.book(&ann, &instant(day, 9, 10)).await;
        let (mut desk, csrf) = p.desk().await;
        let url = format!("/staff/appointments/{id}");
        let page = desk.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for shown in ["<h1>GP appointment: 09:10 on", "Ann TESTING", "Dr Amina Shah", "Riverside Surgery", "10 minutes", "Booked",
            "Check in</button>", "Did not attend</button>", "Cancel appointment", &format!("href=\"/api/v1/appointments/{id}/ics\""),
            &format!("href=\"/staff/appointments/{id}/reschedule\""), "History", "reception"] {
            assert!(page.body.contains(shown), "{shown} missing");
        }
        assert!(!page.body.contains("Call in</button>") && !page.body.contains("Undo did not attend"), "only allowed actions");
        let ics = desk.get(&format!("/api/v1/appointments/{id}/ics")).await;
        assert_eq!(ics.status, StatusCode::OK);
        assert!(ics.content_type().starts_with("text/calendar") && ics.body.contains("BEGIN:VEVENT"));

        // Unknown or malformed ids and actions: a 404 page.
        for bad in [format!("/staff/appointments/{}", Uuid::now_v7()), "/staff/appointments/nope".to_owned()] {
            let res = desk.get(&bad).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
            assert!(res.body.contains("Appointment not found"));
        }
        let res = desk.post_form(&format!("/staff/appointments/{}/check-in", Uuid::now_v7()), &[("csrf_token", &csrf)]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = desk.post_form(&format!("{url}/teleport"), &[("csrf_token", &csrf)]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);

        // Cancelling needs who cancelled; the reason is checked.
        let none = desk.post_form(&format!("{url}/cancel"), &[("csrf_token", &csrf), ("reason", "Feeling better")]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.body.contains("<a href=\"#by\">Select who cancelled the appointment</a>"));
        assert!(none.body.contains(">Feeling better</textarea>"), "what was typed is kept");
        let long = "x".repeat(501);
        let too_long = desk.post_form(&format!("{url}/cancel"), &[("csrf_token", &csrf), ("by", "patient"), ("reason", &long)]).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_long.body.contains("href=\"#cancel_reason\""));
        assert_eq!(p.stored(&id).await.status, "booked", "nothing changed");

        // DNA, then undo it (a reason is needed).
        let dna = desk.post_form(&format!("{url}/dna"), &[("csrf_token", &csrf), ("version", "1")]).await;
        assert_eq!((dna.status, dna.location()), (StatusCode::SEE_OTHER, url.as_str()));
        let after = desk.get(&url).await;
        assert!(after.body.contains("The appointment is marked as did not attend.") && after.body.contains("Undo did not attend"));
        assert!(!after.body.contains("Check in</button>"));
        let blank = desk.post_form(&format!("{url}/undo-dna"), &[("csrf_token", &csrf), ("reason", " ")]).await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.body.contains("href=\"#undo_reason\""));
        assert_eq!(p.stored(&id).await.status, "noshow");
        let undone = desk.post_form(&format!("{url}/undo-dna"), &[("csrf_token", &csrf), ("reason", "She was in the toilet")]).await;
        assert_eq!(undone.status, StatusCode::SEE_OTHER);
        assert_eq!(p.stored(&id).await.status, "booked");

        // Cancel, then an illegal move: the error summary, nothing changed.
        let cancelled = desk.post_form(&format!("{url}/cancel"), &[("csrf_token", &csrf), ("by", "patient"), ("reason", "Feeling better")]).await;
        assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
        let a = p.stored(&id).await;
        assert_eq!((a.status.as_str(), a.cancelled_by.as_deref(), a.cancel_reason.as_deref()), ("cancelled", Some("patient"), Some("Feeling better")));
        let page = desk.get(&url).await;
        assert!(page.body.contains("The patient: Feeling better") && !page.body.contains("Cancel appointment"));
        assert!(page.body.contains("She was in the toilet"), "the history shows the undo reason");
        let illegal = desk.post_form(&format!("{url}/check-in"), &[("csrf_token", &csrf)]).await;
        assert_eq!(illegal.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(illegal.body.contains("<a href=\"#actions\">This appointment has been cancelled, so it cannot be checked in</a>"), "{}", illegal.body);
        assert_eq!(p.stored(&id).await.version, a.version, "nothing changed");
        let no_csrf = desk.post_form(&format!("{url}/check-in"), &[]).await;
        assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    }

    async fn booking_through_the_pages_and_a_taken_time(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let bob = p.patient("Bob", r#","interpreter_language":"ur""#).await;
        let cat = p.patient("Cat", "").await;
        let (mut desk, csrf) = p.desk().await;

        let record = desk.get(&format!("/staff/patients/{bob}")).await;
        assert!(record.body.contains(&format!("href=\"/staff/book/{bob}\"")), "the record has a Book an appointment button");

        let start = desk.get(&format!("/staff/book/{bob}")).await;
        assert_eq!(start.status, StatusCode::OK, "{}", start.body);
        assert!(start.body.contains("What type of appointment?") && start.body.contains("GP appointment"));
        assert!(start.body.contains("double length because they need an Urdu interpreter"), "{}", start.body);
        let none = desk.post_form(&format!("/staff/book/{bob}"), &[("csrf_token", &csrf), ("channel", "desk")]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.body.contains("<a href=\"#service\">Select the type of appointment</a>"));
        let chosen = desk.post_form(&format!("/staff/book/{bob}"), &[("csrf_token", &csrf), ("service", &p.service), ("channel", "phone")]).await;
        let time_url = format!("/staff/book/{bob}/time?service={}&channel=phone", p.service);
        assert_eq!((chosen.status, chosen.location()), (StatusCode::SEE_OTHER, time_url.as_str()));

        let week = desk.get(&format!("{time_url}&week={day}")).await;
        assert_eq!(week.status, StatusCode::OK, "{}", week.body);
        assert!(week.body.contains("GP appointment (20 minutes)") && week.body.contains("Only times with 20 minutes free are shown"));
        let nine = instant(day, 9, 0);
        let check_url = format!("/staff/book/{bob}/check?service={}&channel=phone&practitioner={}&start={nine}", p.service, p.gp);
        assert!(week.body.contains(&attr(&check_url)), "the 09:00 slot links to the check page");
        assert!(!week.body.contains(&attr(&instant(day, 9, 50))), "no double-length slot starts in the last 10 minutes");
        assert!(week.body.contains("Next week"));
        let filtered = desk.get(&format!("{time_url}&week={day}&practitioner={}", p.gp)).await;
        assert_eq!(filtered.status, StatusCode::OK);
        for (query, status) in [("&week=2027-13-01", StatusCode::UNPROCESSABLE_ENTITY), ("&practitioner=nobody", StatusCode::UNPROCESSABLE_ENTITY)] {
            let res = desk.get(&format!("{time_url}{query}")).await;
            assert_eq!(res.status, status, "{query}: {}", res.body);
            assert!(res.body.contains("There is a problem"));
        }
        let unknown_service = desk.get(&format!("/staff/book/{bob}/time?service={}", Uuid::now_v7())).await;
        assert_eq!(unknown_service.status, StatusCode::NOT_FOUND);
        for bad in [format!("/staff/book/{}", Uuid::now_v7()), "/staff/book/not-a-patient".to_owned()] {
            let res = desk.get(&bad).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
            assert!(res.body.contains("Patient not found"));
        }

        let check = desk.get(&check_url).await;
        assert_eq!(check.status, StatusCode::OK, "{}", check.body);
        for shown in ["Check the details before booking", "Bob TESTING, born 1 Feb 1980", "20 minutes (double length)", "Urdu interpreter", "By phone", "Dr Amina Shah"] {
            assert!(check.body.contains(shown), "{shown} missing");
        }
        let fields = [("csrf_token", csrf.as_str()), ("service", p.service.as_str()), ("channel", "phone"), ("practitioner", p.gp.as_str()), ("start", nine.as_str())];
        let booked = desk.post_form(&format!("/staff/book/{bob}/confirm"), &fields).await;
        assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
        let id = booked.location().trim_start_matches("/staff/appointments/").trim_end_matches("/booked").to_owned();
        let a = p.stored(&id).await;
        assert_eq!((a.status.as_str(), a.channel.as_str(), a.longer, a.interpreter_language.as_deref()), ("booked", "phone", true, Some("ur")));
        let confirmation = desk.get(booked.location()).await;
        assert_eq!(confirmation.status, StatusCode::OK);
        let reference = id.replace('-', "").to_uppercase();
        assert!(confirmation.body.contains("Appointment booked") && confirmation.body.contains(&format!("{}-{}", &reference[24..28], &reference[28..])));
        assert!(confirmation.body.contains("Bring your medicines"));

        // Someone else tries the same time: the check page again, with nearby free times to choose.
        let cat_fields = [("csrf_token", csrf.as_str()), ("service", p.service.as_str()), ("channel", "desk"), ("practitioner", p.gp.as_str()), ("start", nine.as_str())];
        let taken = desk.post_form(&format!("/staff/book/{cat}/confirm"), &cat_fields).await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
        assert!(taken.body.contains("<a href=\"#alternatives\">That time has just been taken. Choose another time</a>"), "{}", taken.body);
        let alternative = format!("/staff/book/{cat}/check?service={}&channel=desk&practitioner={}&start={}", p.service, p.gp, instant(day, 9, 20));
        assert!(taken.body.contains(&attr(&alternative)), "the nearest free time is offered");
        // Not a slot at all, and malformed: a clear answer, nothing booked.
        let odd = instant(day, 9, 3);
        let not_slot = desk.post_form(&format!("/staff/book/{cat}/confirm"), &[("csrf_token", &csrf), ("service", &p.service), ("channel", "desk"), ("practitioner", &p.gp), ("start", &odd)]).await;
        assert_eq!(not_slot.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(not_slot.body.contains("href=\"#start\""));
        let garbled = desk.post_form(&format!("/staff/book/{cat}/confirm"), &[("csrf_token", &csrf), ("service", &p.service), ("practitioner", &p.gp), ("start", "9am")]).await;
        assert_eq!(garbled.status, StatusCode::SEE_OTHER, "back to the week view");
        let mine = store::scheduling::appointments_of_patient(p.app.db(), cat.parse().unwrap()).await.unwrap();
        assert!(mine.is_empty(), "nothing booked for Cat");
        let count = audit_actions(&p.app).await.into_iter().filter(|(a, o, _)| a == "book_appointment" && o == "allowed").count();
        assert_eq!(count, 1);
    }

    async fn a_manager_overbooks_a_taken_time_with_a_reason_and_the_day_list_shows_it(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let nine = instant(day, 9, 0);
        let ann = p.patient("Ann", "").await;
        p.book(&ann, &nine).await;
        let dan = p.patient("Dan", "").await;
        let fields = |csrf: &str| {
            vec![("csrf_token", csrf.to_owned()), ("service", p.service.clone()), ("channel", "desk".into()), ("practitioner", p.gp.clone()), ("start", nine.clone())]
        };

        // Reception finds the time taken and is offered other times, not an overbooking.
        let (mut desk, csrf) = p.desk().await;
        let taken = desk.post_form(&format!("/staff/book/{dan}/confirm"), &pairs(&fields(&csrf))).await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(!taken.body.contains("Book this time anyway"), "reception may not overbook");
        // Nor can reception send the overbook form by hand.
        let mut sneaky = fields(&csrf);
        sneaky.extend([("overbook", "yes".to_owned()), ("overbook_reason", "Urgent".to_owned())]);
        let refused = desk.post_form(&format!("/staff/book/{dan}/confirm"), &pairs(&sneaky)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

        // The practice manager is offered it, must say why, then books.
        let mut manager = Client::new(&p.router);
        let csrf = manager.signed_in("manager").await;
        let taken = manager.post_form(&format!("/staff/book/{dan}/confirm"), &pairs(&fields(&csrf))).await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.body.contains("Book this time anyway") && taken.body.contains("name=\"overbook\" value=\"yes\""), "{}", taken.body);
        let mut blank = fields(&csrf);
        blank.extend([("overbook", "yes".to_owned()), ("overbook_reason", "  ".to_owned())]);
        let blank = manager.post_form(&format!("/staff/book/{dan}/confirm"), &pairs(&blank)).await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.body.contains("<a href=\"#overbook_reason\">Enter why this patient must be double-booked</a>"), "{}", blank.body);
        assert!(store::scheduling::appointments_of_patient(p.app.db(), dan.parse().unwrap()).await.unwrap().is_empty(), "nothing booked yet");
        let mut good = fields(&csrf);
        good.extend([("overbook", "yes".to_owned()), ("overbook_reason", "Chest pain, the GP asked to see him now".to_owned())]);
        let booked = manager.post_form(&format!("/staff/book/{dan}/confirm"), &pairs(&good)).await;
        assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
        let id = booked.location().trim_start_matches("/staff/appointments/").trim_end_matches("/booked").to_owned();
        let a = p.stored(&id).await;
        assert_eq!((a.overbooked, a.overbook_reason.as_deref()), (true, Some("Chest pain, the GP asked to see him now")));
        let list = desk.get(&p.day(day)).await;
        assert!(list.body.contains("Overbooked: Chest pain, the GP asked to see him now"), "{}", list.body);
        assert!(audit_actions(&p.app).await.iter().any(|(a, o, _)| a == "overbook_appointment" && o == "allowed"));
    }

    async fn moving_an_appointment_through_the_week_view(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let ann = p.patient("Ann", "").await;
        let id = p.book(&ann, &instant(day, 9, 0)).await;
        let (mut desk, csrf) = p.desk().await;
        let week = desk.get(&format!("/staff/appointments/{id}/reschedule?week={day}")).await;
        assert_eq!(week.status, StatusCode::OK, "{}", week.body);
        assert!(week.body.contains("Choose a new time") && week.body.contains("Now booked for 09:00"));
        let later = instant(day, 9, 30);
        let check_url = format!("/staff/appointments/{id}/reschedule/check?practitioner={}&start={later}", p.gp);
        assert!(week.body.contains(&attr(&check_url)));
        let check = desk.get(&check_url).await;
        assert_eq!(check.status, StatusCode::OK);
        assert!(check.body.contains("Moving from") && check.body.contains("Move appointment"));
        let moved = desk.post_form(&format!("/staff/appointments/{id}/reschedule"), &[("csrf_token", &csrf), ("practitioner", &p.gp), ("start", &later), ("version", "1")]).await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
        let new_id = moved.location().trim_start_matches("/staff/appointments/").to_owned();
        assert_ne!(new_id, id);
        assert_eq!(p.stored(&id).await.status, "cancelled");
        assert_eq!(p.stored(&new_id).await.starts_at.0.to_string(), later);
        let page = desk.get(moved.location()).await;
        assert!(page.body.contains("The appointment is moved to this time."));
        // The old one cannot be moved again.
        let again = desk.get(&format!("/staff/appointments/{id}/reschedule")).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

mod editors {
    use super::*;

    both_backends! {
        async fn a_manager_adds_and_changes_a_service_and_mistakes_are_explained(db: Db) {
            let p = practice(db).await;
            let (mut desk, desk_csrf) = p.desk().await;
            let list = desk.get("/staff/services").await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            assert!(list.body.contains("GP appointment") && list.body.contains("Dr Amina Shah") && !list.body.contains("Add a service"));
            assert_eq!(desk.get("/staff/services/new").await.status, StatusCode::FORBIDDEN);
            let sneaky = desk.post_form("/staff/services/new", &[("csrf_token", &desk_csrf), ("name", "Sneaky")]).await;
            assert_eq!(sneaky.status, StatusCode::FORBIDDEN);

            let mut manager = Client::new(&p.router);
            let csrf = manager.signed_in("manager").await;
            let form = manager.get("/staff/services/new").await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            let physio = |name: &str, minutes: &str, price: &str| {
                vec![
                    ("csrf_token", csrf.clone()), ("name", name.to_owned()), ("duration_minutes", minutes.to_owned()),
                    ("buffer_minutes", "5".into()), ("mode", "face_to_face".into()), ("min_notice_minutes", "0".into()),
                    ("max_days_ahead", "60".into()), ("cancel_cutoff_minutes", "1440".into()), ("price", price.to_owned()),
                    ("funding", "private".into()), ("practitioners", p.gp.clone()), ("preparation", "Wear loose clothes".into()),
                ]
            };
            let bad = manager.post_form("/staff/services/new", &pairs(&physio("", "half an hour", "£45.555"))).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(bad.body.contains("href=\"#duration_minutes\"") && bad.body.contains("href=\"#price\""), "{}", bad.body);
            assert!(bad.body.contains("value=\"half an hour\""), "what was typed is kept");
            let long = manager.post_form("/staff/services/new", &pairs(&physio("", "600", ""))).await;
            assert!(long.body.contains("href=\"#name\"") && long.body.contains("href=\"#duration_minutes\">Must be from 1 to 480"), "{}", long.body);
            let taken = manager.post_form("/staff/services/new", &pairs(&physio("GP appointment", "30", ""))).await;
            assert!(taken.body.contains("There is already a service with this name"), "{}", taken.body);
            let added = manager.post_form("/staff/services/new", &pairs(&physio("Physiotherapy", "30", "45.50"))).await;
            assert_eq!((added.status, added.location()), (StatusCode::SEE_OTHER, "/staff/services"), "{}", added.body);
            let list = manager.get("/staff/services").await;
            assert!(list.body.contains("Physiotherapy added.") && list.body.contains("30 minutes (then 5 minutes free)") && list.body.contains("£45.50"), "{}", list.body);
            let services = store::scheduling::services(p.app.db()).await.unwrap();
            let physio_row = services.iter().find(|s| s.name == "Physiotherapy").unwrap();
            assert_eq!((physio_row.price_pence, physio_row.funding.as_str(), physio_row.cancel_cutoff_minutes), (Some(4550), "private", 1440));

            // Change it: 45 minutes, nobody gives it any more.
            let edit_uri = format!("/staff/services/{}", physio_row.id);
            let edit = manager.get(&edit_uri).await;
            assert!(edit.body.contains("value=\"45.50\"") && edit.body.contains("Wear loose clothes"), "{}", edit.body);
            let mut changed = physio("Physiotherapy", "45", "50");
            changed.retain(|(k, _)| *k != "practitioners");
            let mut soon = changed.clone();
            soon.push(("reminders", "soon".into()));
            let soon = manager.post_form(&edit_uri, &pairs(&soon)).await;
            assert!(soon.body.contains("href=\"#reminders\""), "{}", soon.body);
            let mut too_far = changed.clone();
            too_far.push(("reminders", "2000".into()));
            let too_far = manager.post_form(&edit_uri, &pairs(&too_far)).await;
            assert!(too_far.body.contains("href=\"#reminders\">Give each reminder in whole hours"), "{}", too_far.body);
            changed.push(("reminders", "24, 72".into()));
            let saved = manager.post_form(&edit_uri, &pairs(&changed)).await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            let row = store::scheduling::service(p.app.db(), physio_row.id).await.unwrap().unwrap();
            assert_eq!((row.duration_minutes, row.price_pence, row.reminder_offsets.as_str()), (45, Some(5000), "72,24"));
            assert!(store::scheduling::practitioners_for(p.app.db(), row.id).await.unwrap().is_empty());
            assert_eq!(manager.get(&format!("/staff/services/{}", Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);
            assert!(audit_actions(&p.app).await.iter().any(|(a, o, r)| a == "update_service" && o == "allowed" && r.contains("duration_minutes")));
        }

        async fn services_are_changed_and_sessions_ended_through_the_api(db: Db) {
            let p = practice(db).await;
            let manager = token_for(&p.app, "manager").await;
            let uri = format!("/api/v1/services/{}", p.service);
            let json = |minutes: i64| format!(r#"{{"name":"GP appointment","duration_minutes":{minutes},"mode":"face_to_face","max_days_ahead":366,"practitioners":["{}"]}}"#, p.gp);
            let bad = api(&p.router, Method::PUT, &uri, Some(&manager), Some(("application/json", &json(0)))).await;
            let problem = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            assert_eq!(problem["errors"][0]["field"], "duration_minutes", "{problem}");
            assert_eq!(store::scheduling::service(p.app.db(), p.service.parse().unwrap()).await.unwrap().unwrap().duration_minutes, 10, "nothing changed");
            let missing = api(&p.router, Method::PUT, &format!("/api/v1/services/{}", Uuid::now_v7()), Some(&manager), Some(("application/json", &json(15)))).await;
            assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");
            assert_problem(&api(&p.router, Method::PUT, &uri, Some(&p.token), Some(("application/json", &json(15)))).await, StatusCode::FORBIDDEN, "forbidden");
            let ok = api(&p.router, Method::PUT, &uri, Some(&manager), Some(("application/json", &json(15)))).await;
            assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
            assert_eq!(ok.json()["duration_minutes"], 15);
            assert_eq!(ok.json()["reminder_hours"], serde_json::json!([168, 48]), "left out: the default reminders");
            let none = r#"{"name":"GP appointment","duration_minutes":15,"mode":"face_to_face","reminder_hours":[]}"#;
            let none = api(&p.router, Method::PUT, &uri, Some(&manager), Some(("application/json", none))).await;
            assert_eq!(none.json()["reminder_hours"], serde_json::json!([]), "{}", none.body);
            let bad = r#"{"name":"GP appointment","duration_minutes":15,"mode":"face_to_face","reminder_hours":[0]}"#;
            let bad = api(&p.router, Method::PUT, &uri, Some(&manager), Some(("application/json", bad))).await;
            assert_eq!(assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "reminder_hours");

            let session = store::scheduling::sessions_of(p.app.db(), &[p.gp.parse().unwrap()], "2026-01-01", "2030-01-01").await.unwrap()[0].clone();
            let end = format!("/api/v1/rota-sessions/{}/end", session.id);
            let bad = api(&p.router, Method::POST, &end, Some(&manager), Some(("application/json", r#"{"valid_until":"31/12/2027"}"#))).await;
            assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let last = (tomorrow() + jiff::Span::new().days(1)).to_string();
            let ok = api(&p.router, Method::POST, &end, Some(&manager), Some(("application/json", &format!(r#"{{"valid_until":"{last}"}}"#)))).await;
            assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
            assert_eq!(ok.json()["valid_until"], last.as_str());
            let missing = api(&p.router, Method::POST, &format!("/api/v1/rota-sessions/{}/end", Uuid::now_v7()), Some(&manager), Some(("application/json", r#"{"valid_until":"2030-01-01"}"#))).await;
            assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");
        }

        async fn a_manager_changes_a_rota_through_the_page(db: Db) {
            let p = practice(db).await;
            let mut manager = Client::new(&p.router);
            let csrf = manager.signed_in("manager").await;
            let rotas = manager.get("/staff/rota").await;
            let uri = format!("/staff/rota/{}", p.gp);
            assert!(rotas.body.contains(&format!("href=\"{uri}\"")), "{}", rotas.body);
            let page = manager.get(&uri).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            assert_eq!(page.body.matches("<td>09:00 to 10:00</td>").count(), 7, "the seven daily sessions");

            // A session that overlaps an existing one is refused, next to the box.
            let session = |starts: &str, ends: &str| {
                vec![
                    ("csrf_token", csrf.clone()), ("weekday", "monday".to_owned()), ("starts", starts.to_owned()), ("ends", ends.to_owned()),
                    ("site_id", p.site.clone()), ("services", p.service.clone()), ("valid_from", tomorrow().to_string()),
                ]
            };
            let overlap = manager.post_form(&format!("{uri}/sessions"), &pairs(&session("09:30", "11:00"))).await;
            assert_eq!(overlap.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", overlap.body);
            assert!(overlap.body.contains("app-error-summary") && overlap.body.contains("value=\"09:30\""), "{}", overlap.body);
            let mut no_site = session("14:00", "15:00");
            no_site.retain(|(k, _)| *k != "site_id" && *k != "services");
            let no_site = manager.post_form(&format!("{uri}/sessions"), &pairs(&no_site)).await;
            assert!(no_site.body.contains("href=\"#site_id\"") && no_site.body.contains("href=\"#services\""), "{}", no_site.body);
            let added = manager.post_form(&format!("{uri}/sessions"), &pairs(&session("14:00", "15:00"))).await;
            assert_eq!((added.status, added.location()), (StatusCode::SEE_OTHER, uri.as_str()), "{}", added.body);
            assert!(manager.get(&uri).await.body.contains("<td>14:00 to 15:00</td>"));

            // Time away: a bad date is explained; good leave is listed.
            let day = tomorrow() + jiff::Span::new().days(7);
            let leave = |from: &str| vec![("csrf_token", csrf.clone()), ("x_kind", "leave".to_owned()), ("x_date_from", from.to_owned())];
            let bad = manager.post_form(&format!("{uri}/exceptions"), &pairs(&leave("next week"))).await;
            assert!(bad.body.contains("href=\"#x_date_from\""), "{}", bad.body);
            let ok = manager.post_form(&format!("{uri}/exceptions"), &pairs(&leave(&day.to_string()))).await;
            assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
            let page = manager.get(&uri).await;
            assert!(page.body.contains("Added to the rota.") && page.body.contains(&day.to_string()) && page.body.contains("Leave"), "{}", page.body);

            // End the new session: not in the past; then it stops after its last day.
            let sessions = store::scheduling::sessions_of(p.app.db(), &[p.gp.parse().unwrap()], "2026-01-01", "2030-01-01").await.unwrap();
            let afternoon = sessions.iter().find(|s| s.starts == "14:00").unwrap();
            let end_uri = format!("{uri}/sessions/{}/end", afternoon.id);
            let name = format!("end_{}", afternoon.id);
            let past = manager.post_form(&end_uri, &[("csrf_token", &csrf), (name.as_str(), "2020-01-01")]).await;
            assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(past.body.contains(&format!("href=\"#{name}\"")), "{}", past.body);
            let last = (tomorrow() + jiff::Span::new().days(14)).to_string();
            let ended = manager.post_form(&end_uri, &[("csrf_token", &csrf), (name.as_str(), last.as_str())]).await;
            assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
            let row = store::scheduling::session(p.app.db(), afternoon.id).await.unwrap().unwrap();
            assert_eq!(row.valid_until.as_deref(), Some(last.as_str()));

            // Reception reads the rota but cannot change it.
            let (mut desk, desk_csrf) = p.desk().await;
            let read = desk.get(&uri).await;
            assert!(read.body.contains("Only a practice manager can change rotas") && !read.body.contains("Add weekly session"));
            let refused = desk.post_form(&format!("{uri}/sessions"), &[("csrf_token", &desk_csrf)]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert_eq!(manager.get(&format!("/staff/rota/{}", Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);
            let actions = audit_actions(&p.app).await;
            assert!(actions.iter().any(|(a, o, _)| a == "end_rota_session" && o == "allowed"), "{actions:?}");
        }
    }
}
