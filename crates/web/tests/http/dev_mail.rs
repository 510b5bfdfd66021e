//! The demo's mail catcher page (`/staff/dev/mail`): with no SMTP server the demo keeps the email it would
//! have sent, and staff who see the outbox read it there, links clickable, nothing in it taken as markup.
//! Signed-in staff only; a server that is not catching mail has no such page.

use super::schedule_pages::{instant, tomorrow};
#[allow(unused_imports)]
use super::*;
use app::messaging::MessagingConfig;
use app::messaging::email::EmailConfig;

/// The demo's settings: no SMTP server, mail kept in the catcher (or, with `catch` false, no email at
/// all), links to an `http://` address as `carefront demo` makes them.
fn config(catch: bool) -> AppConfig {
    AppConfig {
        messaging: MessagingConfig {
            email: EmailConfig {
                from: "Riverside Surgery <reception@riverside.example>".into(),
                catch_without_smtp: catch,
                ..EmailConfig::default()
            },
            public_url: Some("http://127.0.0.1:8080".into()),
            ..MessagingConfig::default()
        },
        ..AppConfig::default()
    }
}

/// A practice with one GP who works 09:00–10:00 every day, and a patient with only an email address
/// (whose preferred name is full of markup) booked in three days after tomorrow. Returns the app and
/// router after the outbox has sent the booking confirmation.
async fn booked(db: Db, catch: bool) -> (App, Router) {
    let (app, router) = setup_with(db, config(catch)).await;
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
        format!(r#"{{"name":"GP appointment","duration_minutes":10,"mode":"face_to_face","max_days_ahead":366,"practitioners":["{gp}"]}}"#),
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
    let patient = post(
        "/api/v1/patients?confirm_possible_duplicate=true",
        r#"{"given_names":"Wren","family_name":"Hale","preferred_name":"<b>Wren</b> & \"co\"","date_of_birth":"1980-02-01","email":"wren@example.org"}"#.into(),
    )
    .await;
    let day = tomorrow().checked_add(jiff::Span::new().days(3)).unwrap();
    let start = instant(day, 9, 0);
    post(
        "/api/v1/appointments",
        format!(r#"{{"patient_id":"{patient}","service_id":"{service}","practitioner_id":"{gp}","start":"{start}"}}"#),
    )
    .await;
    app.run_outbox_once("test", jiff::Timestamp::now()).await.unwrap();
    (app, router)
}

/// The `href` of the first link in `body` that starts with `prefix`.
fn link_starting(body: &str, prefix: &str) -> Option<String> {
    let marker = format!("<a href=\"{prefix}");
    let start = body.find(&marker)? + "<a href=\"".len();
    Some(body[start..].split('"').next()?.to_owned())
}

both_backends! {
    async fn only_signed_in_staff_who_see_the_outbox_read_caught_mail(db: Db) {
        let (app, router) = booked(db, true).await;
        assert_eq!(app.caught_mail().len(), 1, "the booking confirmation was caught");
        let mut anonymous = Client::new(&router);
        let res = anonymous.get("/staff/dev/mail").await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/staff/login"));

        // The clinician does not see the outbox, so not the mail either; the refusal is audited.
        let mut gp = Client::new(&router);
        gp.signed_in("clinician").await;
        let res = gp.get("/staff/dev/mail").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(!res.body.contains("wren@example.org"));
        let audit = audit_actions(&app).await;
        assert!(audit.iter().any(|(a, o, _)| a == "view_outbox" && o == "denied"), "{audit:?}");
    }

    async fn without_the_catcher_there_is_no_mail_page(db: Db) {
        let (app, router) = booked(db, false).await;
        assert!(app.caught_mail().is_empty());
        let mut anonymous = Client::new(&router);
        assert_eq!(anonymous.get("/staff/dev/mail").await.status, StatusCode::SEE_OTHER, "nothing shown to strangers");
        let mut desk = Client::new(&router);
        desk.signed_in("reception").await;
        let res = desk.get("/staff/dev/mail").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(res.body.contains("Page not found"), "{}", res.body);
        let templates = desk.get("/staff/messages/templates").await;
        assert_eq!(templates.status, StatusCode::OK);
        assert!(!templates.body.contains("/staff/dev/mail"), "no link to a page that is not there");
    }

    async fn caught_mail_is_listed_with_its_links_clickable_and_its_markup_escaped(db: Db) {
        let (app, router) = booked(db, true).await;
        let mut desk = Client::new(&router);
        desk.signed_in("reception").await;
        let templates = desk.get("/staff/messages/templates").await;
        assert!(templates.body.contains("<a href=\"/staff/dev/mail\">"), "the templates page links to the catcher");

        let page = desk.get("/staff/dev/mail").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(body.contains("<h1>Mail caught by the demo</h1>"));
        assert!(body.contains(">Your appointment is booked</h2>"), "{body}");
        assert!(body.contains("<dd>wren@example.org</dd>"));
        assert!(body.contains("<dd>English</dd>"));
        assert!(body.contains("appointment.ics (text/calendar)"), "the calendar part is named: {body}");

        // The cancel link in the text is a link; following it opens the patient's page.
        let cancel = link_starting(body, "http://127.0.0.1:8080/l/").expect("the cancel link is clickable");
        assert!(body.contains(&format!("<a href=\"{cancel}\">{cancel}</a>")));
        let path = cancel.trim_start_matches("http://127.0.0.1:8080");
        let mut patient = Client::new(&router);
        let link_page = patient.get(path).await;
        assert_eq!(link_page.status, StatusCode::OK, "{}", link_page.body);
        assert!(link_page.body.contains("Cancel your appointment?"), "{}", link_page.body);

        // The patient's name is markup-looking text: escaped in the text, and the HTML part is only a
        // sandboxed frame's escaped srcdoc, never markup of the page.
        assert!(body.contains("Hello &lt;b&gt;Wren&lt;/b&gt; &amp; &quot;co&quot;"), "{body}");
        assert!(!body.contains("<b>Wren"), "no markup from the mail in the page");
        assert_eq!(body.matches("<html").count(), 1, "the mail's document is not in the page as markup");
        assert!(body.contains("<iframe class=\"app-mail__frame\" sandbox=\"\" srcdoc=\"&#60;!DOCTYPE html&#62;"), "{body}");
        assert!(body.contains("&#38;lt;b&#38;gt;Wren"), "the mail's own escaping survives inside the frame");
        assert!(!body.contains("&#60;style") && !body.contains("&lt;style"), "the mail's style is left out");

        let audit = audit_actions(&app).await;
        assert!(audit.iter().any(|(a, o, r)| a == "view_caught_mail" && o == "allowed" && r == "1 caught emails"), "{audit:?}");
    }
}
