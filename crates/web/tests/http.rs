//! Black-box tests through HTTP, on SQLite and PostgreSQL: what a browser or an integration sees.

use app::governance::users::NewUser;
use app::{App, AppConfig, Ctx};
use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use carefront_web as web;
use domain::governance::audit::{AuditEntry, Outcome};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use store::{Db, both_backends};
use tower::ServiceExt;
use web::WebConfig;

const PASSWORD: &str = "violet kettle harbour 42";

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start =
            self.body.find(marker).unwrap_or_else(|| panic!("no CSRF token in page: {}", self.body)) + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

/// A browser-like client: keeps the session cookie between requests.
#[derive(Clone)]
struct Client {
    router: Router,
    cookie: Option<String>,
}

impl Client {
    fn new(router: &Router) -> Self {
        Self { router: router.clone(), cookie: None }
    }

    async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if let Some(c) = &self.cookie {
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        if let Some(set) = res.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap().to_owned();
            self.cookie = if set.contains("Max-Age=0") { None } else { Some(pair) };
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Resp { status, headers, body }
    }

    async fn get(&mut self, uri: &str) -> Resp {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn sign_in(&mut self, username: &str, password: &str) -> Resp {
        let csrf = self.get("/staff/login").await.csrf();
        self.post_form("/staff/login", &[("csrf_token", &csrf), ("username", username), ("password", password)]).await
    }

    /// Sign in and return a CSRF token for later forms.
    async fn signed_in(&mut self, username: &str) -> String {
        let res = self.sign_in(username, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in of {username} failed: {}", res.body);
        assert_eq!(res.location(), "/staff");
        self.get("/staff/account").await.csrf()
    }
}

async fn api(router: &Router, method: Method, uri: &str, token: Option<&str>, body: Option<(&str, &str)>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some((ct, text)) => b.header(header::CONTENT_TYPE, ct).body(Body::from(text.to_owned())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    Client::new(router).send(req).await
}

async fn setup_with(db: Db, config: AppConfig) -> (App, Router) {
    let app = App::new(db, config);
    for (role, username) in [
        ("receptionist", "reception"),
        ("clinician", "clinician"),
        ("caldicott_guardian", "guardian"),
        ("admin", "admin"),
    ] {
        app.create_user(
            &Ctx::command_line(),
            NewUser {
                username: username.into(),
                display_name: format!("{username} person"),
                role: role.into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    }
    let router = web::router(app.clone(), WebConfig { login_burst: 1000, ..WebConfig::default() })
        .layer(Extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)))));
    (app, router)
}

async fn setup(db: Db) -> (App, Router) {
    setup_with(db, AppConfig::default()).await
}

/// The organisation patients belong to (the demo seeds one; these tests add their own).
async fn add_organisation(app: &App) {
    let mut tx = app.db().begin().await.unwrap();
    let org = store::organisation::OrganisationRow {
        id: uuid::Uuid::now_v7(),
        name: "Test Practice".into(),
        ods_code: None,
        created_at: store::Ts(domain::time::now()),
    };
    store::organisation::insert_organisation(&mut tx, &org).await.unwrap();
    tx.commit().await.unwrap();
}

/// The organisation and one site (Riverside Surgery, Europe/London, England and Wales bank holidays).
async fn add_site(app: &App) -> store::organisation::SiteRow {
    add_organisation(app).await;
    let org = store::organisation::first_organisation(app.db()).await.unwrap().unwrap();
    let site = store::organisation::SiteRow {
        id: uuid::Uuid::now_v7(),
        organisation_id: org.id,
        name: "Riverside Surgery".into(),
        time_zone: "Europe/London".into(),
        bank_holiday_division: "england-and-wales".into(),
        address_lines: "1 High Street".into(),
        town: "Bristol".into(),
        postcode: "BS1 4DJ".into(),
        default_language: "en".into(),
        created_at: store::Ts(domain::time::now()),
    };
    let mut tx = app.db().begin().await.unwrap();
    store::organisation::insert_site(&mut tx, &site).await.unwrap();
    // Every message tells patients how to reach the practice.
    store::organisation::set_site_phone(&mut tx, site.id, "0117 496 0123").await.unwrap();
    tx.commit().await.unwrap();
    site
}

async fn token_for(app: &App, username: &str) -> String {
    app.create_token(&Ctx::command_line(), username, "test", Some(1)).await.unwrap().secret
}

fn assert_problem(res: &Resp, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status, status, "{}", res.body);
    assert!(res.content_type().starts_with("application/problem+json"), "content type {}", res.content_type());
    let p = res.json();
    assert_eq!(p["code"], code, "{p}");
    assert_eq!(p["status"], status.as_u16());
    assert!(p["operation_id"].as_str().is_some_and(|s| s.len() == 36), "{p}");
    p
}

async fn audit_actions(app: &App) -> Vec<(String, String, String)> {
    store::governance::audit::page_after(app.db(), 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.entry.action, e.entry.outcome.as_str().to_owned(), e.entry.reason.unwrap_or_default()))
        .collect()
}

both_backends! {
    async fn anonymous_callers_get_401_on_the_api_and_a_sign_in_redirect_on_pages(db: Db) {
        let (_, router) = setup(db).await;
        for uri in ["/api/v1/me", "/api/v1/audit", "/api/v1/tokens"] {
            let res = api(&router, Method::GET, uri, None, None).await;
            assert_problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
            assert!(res.headers.contains_key(header::WWW_AUTHENTICATE));
        }
        let bad = api(&router, Method::GET, "/api/v1/me", Some("cf_not-a-real-token"), None).await;
        assert_problem(&bad, StatusCode::UNAUTHORIZED, "unauthenticated");
        let mut browser = Client::new(&router);
        for uri in ["/staff", "/staff/audit", "/staff/account"] {
            let res = browser.get(uri).await;
            assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/staff/login"), "{uri}");
        }
    }

    async fn a_receptionist_signs_in_sees_home_and_signs_out(db: Db) {
        let (app, router) = setup(db).await;
        let mut browser = Client::new(&router);
        let page = browser.get("/staff/login").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Sign in to Carefront</h1>"));
        let anonymous_cookie = browser.cookie.clone().expect("the sign-in page starts a session for its CSRF token");
        let res = browser.post_form("/staff/login", &[("csrf_token", &page.csrf()), ("username", "Reception"), ("password", PASSWORD)]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/staff"));
        assert_ne!(browser.cookie.as_deref(), Some(anonymous_cookie.as_str()), "the session id is rotated at sign-in");
        let home = browser.get("/staff").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("Hello, reception person"), "{}", home.body);
        assert!(home.body.contains("Receptionist"));
        assert!(!home.body.contains("/staff/audit\""), "no audit link for reception");

        let res = browser.post_form("/staff/sign-out", &[("csrf_token", &home.csrf())]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/staff/signed-out"));
        assert_eq!(browser.get("/staff").await.status, StatusCode::SEE_OTHER, "signed out for real");

        // The old session cookie is useless after sign-out.
        let mut replay = Client { router: router.clone(), cookie: Some(anonymous_cookie) };
        assert_eq!(replay.get("/staff").await.status, StatusCode::SEE_OTHER);
        let actions = audit_actions(&app).await;
        assert!(actions.iter().any(|(a, o, _)| a == "sign_in" && o == "allowed"));
        assert!(actions.iter().any(|(a, _, _)| a == "sign_out"));
    }

    async fn a_wrong_password_shows_the_error_summary_and_changes_nothing(db: Db) {
        let (app, router) = setup(db).await;
        let mut browser = Client::new(&router);
        let res = browser.sign_in("reception", "not the password").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(res.body.contains("There is a problem"));
        assert!(res.body.contains("<a href=\"#username\">Enter a correct username and password</a>"), "{}", res.body);
        assert!(res.body.contains("<title>Error: Sign in"), "title starts with Error:");
        assert!(res.body.contains("value=\"reception\""), "the username is kept");
        let empty = browser.post_form("/staff/login", &[("csrf_token", &res.csrf()), ("username", " "), ("password", "")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Enter your username") && empty.body.contains("Enter your password"));
        assert_eq!(browser.get("/staff").await.status, StatusCode::SEE_OTHER);
        let unknown = browser.sign_in("nobody", PASSWORD).await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "unknown users get the same answer");
        let actions = audit_actions(&app).await;
        assert!(actions.contains(&("sign_in".into(), "denied".into(), "wrong password".into())));
        assert!(actions.contains(&("sign_in".into(), "denied".into(), "unknown username".into())));
    }

    async fn five_failures_lock_the_account_and_the_lock_is_audited(db: Db) {
        let (app, router) = setup(db).await;
        let mut browser = Client::new(&router);
        for attempt in 1..=4 {
            let res = browser.sign_in("clinician", "wrong password!").await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
        let fifth = browser.sign_in("clinician", "wrong password!").await;
        assert_eq!(fifth.status, StatusCode::LOCKED);
        assert!(fifth.body.contains("Your account is locked"), "{}", fifth.body);
        let right = browser.sign_in("clinician", PASSWORD).await;
        assert_eq!(right.status, StatusCode::LOCKED, "even the right password is refused while locked");
        // Other accounts are unaffected.
        assert_eq!(browser.sign_in("reception", PASSWORD).await.status, StatusCode::SEE_OTHER);
        let actions = audit_actions(&app).await;
        assert!(actions.iter().any(|(a, _, r)| a == "account_locked" && r.contains("5 failed")), "{actions:?}");
        assert!(actions.contains(&("sign_in".into(), "denied".into(), "account locked".into())));
    }

    async fn the_wrong_role_gets_403_and_the_refusal_is_audited(db: Db) {
        let (app, router) = setup(db).await;
        let token = token_for(&app, "reception").await;
        let res = api(&router, Method::GET, "/api/v1/audit", Some(&token), None).await;
        let p = assert_problem(&res, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(p["detail"], "not allowed: role does not permit this action");
        let res = api(&router, Method::GET, "/api/v1/tokens", Some(&token), None).await;
        assert_problem(&res, StatusCode::FORBIDDEN, "forbidden");

        let mut browser = Client::new(&router);
        browser.signed_in("reception").await;
        let page = browser.get("/staff/audit").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("You cannot see this page") && page.body.contains("operation id"));
        let denied: Vec<_> = audit_actions(&app).await.into_iter().filter(|(a, o, _)| a == "view_audit_log" && o == "denied").collect();
        assert_eq!(denied.len(), 2);
    }

    async fn the_guardian_reads_the_audit_log_with_filters(db: Db) {
        let (app, router) = setup(db).await;
        let token = token_for(&app, "guardian").await;
        let all = api(&router, Method::GET, "/api/v1/audit?limit=3", Some(&token), None).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.body);
        let events = all.json();
        assert_eq!(events.as_array().unwrap().len(), 3);
        assert!(events[0]["seq"].as_i64() > events[1]["seq"].as_i64(), "newest first");

        let guardian = store::governance::users::by_username(app.db(), "guardian").await.unwrap().unwrap();
        let mine = api(&router, Method::GET, &format!("/api/v1/audit?actor={}", guardian.id), Some(&token), None).await;
        let mine = mine.json();
        assert!(!mine.as_array().unwrap().is_empty());
        assert!(mine.as_array().unwrap().iter().all(|e| e["actor"] == guardian.id.to_string()));

        let bad = api(&router, Method::GET, "/api/v1/audit?patient=nope&from=2026-02-30&limit=0&colour=red", Some(&token), None).await;
        let p = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        for f in ["patient", "from", "limit", "colour"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        let future = api(&router, Method::GET, "/api/v1/audit?from=2099-01-01", Some(&token), None).await;
        assert_eq!(future.json(), json!([]));

        let mut browser = Client::new(&router);
        browser.signed_in("guardian").await;
        let page = browser.get("/staff/audit").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Audit log</h1>") && page.body.contains("sign_in"));
        let bad_page = browser.get("/staff/audit?from=yesterday").await;
        assert_eq!(bad_page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_page.body.contains("Enter a real date"));
    }

    async fn forms_without_the_csrf_token_or_from_another_site_are_refused(db: Db) {
        let (app, router) = setup(db).await;
        let mut browser = Client::new(&router);
        let csrf = browser.signed_in("reception").await;
        let missing = browser.post_form("/staff/account/sign-out-everywhere", &[]).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        assert!(missing.body.contains("This form has expired"));
        let wrong = browser.post_form("/staff/account/sign-out-everywhere", &[("csrf_token", "guess")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let cross_site = browser
            .send(
                Request::post("/staff/account/sign-out-everywhere")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header("sec-fetch-site", "cross-site")
                    .header(header::ORIGIN, "https://evil.example")
                    .body(Body::from(format!("csrf_token={csrf}")))
                    .unwrap(),
            )
            .await;
        assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
        assert_eq!(browser.get("/staff").await.status, StatusCode::OK, "still signed in: nothing changed");
        assert!(!audit_actions(&app).await.iter().any(|(a, _, _)| a == "sign_out_everywhere"));

        // A session-authenticated API change needs the X-CSRF-Token header.
        let admin_token = token_for(&app, "admin").await;
        let created = api(&router, Method::POST, "/api/v1/tokens", Some(&admin_token),
            Some(("application/json", r#"{"username":"reception","name":"feed","expires_days":5}"#))).await;
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let mut admin = Client::new(&router);
        let admin_csrf = admin.signed_in("admin").await;
        let no_header = admin.send(Request::delete(format!("/api/v1/tokens/{id}")).body(Body::empty()).unwrap()).await;
        assert_problem(&no_header, StatusCode::FORBIDDEN, "forbidden");
        let with_header = admin
            .send(Request::delete(format!("/api/v1/tokens/{id}")).header("x-csrf-token", admin_csrf).body(Body::empty()).unwrap())
            .await;
        assert_eq!(with_header.status, StatusCode::NO_CONTENT);
    }

    async fn sign_out_everywhere_ends_every_session(db: Db) {
        let (_, router) = setup(db).await;
        let mut laptop = Client::new(&router);
        let mut phone = Client::new(&router);
        let csrf = laptop.signed_in("clinician").await;
        phone.signed_in("clinician").await;
        let res = laptop.post_form("/staff/account/sign-out-everywhere", &[("csrf_token", &csrf)]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/staff/signed-out"));
        assert_eq!(phone.get("/staff").await.status, StatusCode::SEE_OTHER);
        assert_eq!(laptop.get("/staff").await.status, StatusCode::SEE_OTHER);
    }

    async fn idle_and_absolute_session_timeouts_end_sessions(db: Db) {
        let config = AppConfig { session_idle: Duration::from_secs(1), ..AppConfig::default() };
        let (_, router) = setup_with(db.clone(), config).await;
        let mut browser = Client::new(&router);
        browser.signed_in("reception").await;
        assert_eq!(browser.get("/staff").await.status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(1300)).await;
        assert_eq!(browser.get("/staff").await.status, StatusCode::SEE_OTHER, "idle timeout");

        let config = AppConfig { session_absolute: Duration::from_secs(2), ..AppConfig::default() };
        let app = App::new(db, config);
        let router = web::router(app, WebConfig { login_burst: 1000, ..WebConfig::default() })
            .layer(Extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)))));
        let mut browser = Client::new(&router);
        browser.signed_in("clinician").await;
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(600)).await;
            assert_eq!(browser.get("/staff").await.status, StatusCode::OK, "active and within the absolute limit");
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(browser.get("/staff").await.status, StatusCode::SEE_OTHER, "absolute timeout despite activity");
    }

    async fn tokens_work_until_revoked_or_expired(db: Db) {
        let (app, router) = setup(db).await;
        let admin = token_for(&app, "admin").await;
        let created = api(&router, Method::POST, "/api/v1/tokens", Some(&admin),
            Some(("application/json", r#"{"username":"clinician","name":"Lab feed","expires_days":30}"#))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let created = created.json();
        let secret = created["token"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("cf_") && secret.len() >= 40);
        let me = api(&router, Method::GET, "/api/v1/me", Some(&secret), None).await;
        assert_eq!(me.json()["role"], "clinician");
        let listed = api(&router, Method::GET, "/api/v1/tokens", Some(&admin), None).await;
        assert!(!listed.body.contains(&secret), "secrets are never listed");

        let id = created["id"].as_str().unwrap();
        let revoked = api(&router, Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&admin), None).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        let after = api(&router, Method::GET, "/api/v1/me", Some(&secret), None).await;
        assert_problem(&after, StatusCode::UNAUTHORIZED, "unauthenticated");
        let again = api(&router, Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&admin), None).await;
        assert_problem(&again, StatusCode::CONFLICT, "conflict");
        let unknown = api(&router, Method::DELETE, &format!("/api/v1/tokens/{}", uuid::Uuid::now_v7()), Some(&admin), None).await;
        assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
        let malformed = api(&router, Method::DELETE, "/api/v1/tokens/not-a-uuid", Some(&admin), None).await;
        assert_problem(&malformed, StatusCode::BAD_REQUEST, "bad-request");
    }

    async fn bad_json_gets_a_clear_problem_and_changes_nothing(db: Db) {
        let (app, router) = setup(db).await;
        let admin = token_for(&app, "admin").await;
        let before = store::governance::tokens::list(app.db()).await.unwrap().len();
        let cases = [
            ("application/json", r#"{"username":"clinician","name":"x","expires_days":"soon"}"#, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", Some("expires_days")),
            ("application/json", r#"{"username":"clinician","name":"x","colour":"red"}"#, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", Some("colour")),
            ("application/json", r#"{"username":"clinician""#, StatusCode::BAD_REQUEST, "malformed-json", None),
            ("text/plain", r#"{"username":"clinician","name":"x"}"#, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", None),
            ("application/json", r#"{"username":"nobody","name":"x"}"#, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", Some("user")),
            ("application/json", r#"{"username":"clinician","name":"   "}"#, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", Some("name")),
            ("application/json", r#"{"username":"clinician","name":"x","expires_days":0}"#, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", Some("expires")),
        ];
        for (ct, body, status, code, field) in cases {
            let res = api(&router, Method::POST, "/api/v1/tokens", Some(&admin), Some((ct, body))).await;
            let p = assert_problem(&res, status, code);
            if let Some(field) = field {
                assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
            }
        }
        let huge = "x".repeat(2 * 1024 * 1024);
        let res = api(&router, Method::POST, "/api/v1/tokens", Some(&admin), Some(("application/json", &huge))).await;
        assert_problem(&res, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");
        let res = api(&router, Method::PUT, "/api/v1/me", Some(&admin), None).await;
        assert_problem(&res, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
        let res = api(&router, Method::GET, "/api/v1/nothing-here", Some(&admin), None).await;
        assert_problem(&res, StatusCode::NOT_FOUND, "not-found");
        assert_eq!(store::governance::tokens::list(app.db()).await.unwrap().len(), before, "nothing was created");
    }

    async fn two_step_sign_in_accepts_each_code_once(db: Db) {
        let (app, router) = setup(db).await;
        let mut browser = Client::new(&router);
        browser.signed_in("clinician").await;
        let page = browser.get("/staff/account/totp").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<svg"), "QR code shown inline");
        let marker = "<code class=\"app-code\">";
        let start = page.body.find(marker).unwrap() + marker.len();
        let secret = page.body[start..].split('<').next().unwrap().to_owned();
        let wrong = browser.post_form("/staff/account/totp", &[("csrf_token", &page.csrf()), ("code", "000000")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let now = jiff::Timestamp::now();
        let code = app::governance::auth::totp_code_at(&secret, "clinician", now).unwrap();
        let ok = browser.post_form("/staff/account/totp", &[("csrf_token", &page.csrf()), ("code", &code)]).await;
        assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/staff/account"), "{}", ok.body);
        assert!(browser.get("/staff/account").await.body.contains("Two-step sign-in is now on"));

        let mut later = Client::new(&router);
        let res = later.sign_in("clinician", PASSWORD).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/staff/login/code"));
        assert_eq!(later.get("/staff").await.status, StatusCode::SEE_OTHER, "not signed in before the code");
        let form = later.get("/staff/login/code").await;
        let replay = later.post_form("/staff/login/code", &[("csrf_token", &form.csrf()), ("code", &code)]).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "the enrolment code cannot be used again");
        let next = app::governance::auth::totp_code_at(&secret, "clinician", now + jiff::SignedDuration::from_secs(30)).unwrap();
        let ok = later.post_form("/staff/login/code", &[("csrf_token", &form.csrf()), ("code", &next)]).await;
        assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/staff"), "{}", ok.body);

        let mut thief = Client::new(&router);
        thief.sign_in("clinician", PASSWORD).await;
        let form = thief.get("/staff/login/code").await;
        let stolen = thief.post_form("/staff/login/code", &[("csrf_token", &form.csrf()), ("code", &next)]).await;
        assert_eq!(stolen.status, StatusCode::UNAUTHORIZED, "a code seen over the shoulder is useless");
        let actions = audit_actions(&app).await;
        assert!(actions.iter().any(|(a, _, r)| a == "sign_in" && r == "security code already used"));
    }

    async fn roles_that_require_two_step_sign_in_must_set_it_up_first(db: Db) {
        let config = AppConfig { totp_required_roles: vec![domain::governance::Role::Admin], ..AppConfig::default() };
        let (_, router) = setup_with(db, config).await;
        let mut browser = Client::new(&router);
        let res = browser.sign_in("admin", PASSWORD).await;
        assert_eq!(res.location(), "/staff/account/totp");
        assert_eq!(browser.get("/staff").await.location(), "/staff/account/totp");
        assert_eq!(browser.get("/staff/audit").await.location(), "/staff/account/totp");
        let page = browser.get("/staff/account/totp").await;
        assert!(page.body.contains("Your role needs two-step sign-in"));
        // Roles not listed sign in as usual.
        let mut other = Client::new(&router);
        assert_eq!(other.sign_in("reception", PASSWORD).await.location(), "/staff");
    }

    async fn password_changes_are_validated(db: Db) {
        let (_, router) = setup(db).await;
        let mut browser = Client::new(&router);
        let csrf = browser.signed_in("reception").await;
        let bad = browser.post_form("/staff/account/password", &[
            ("csrf_token", &csrf), ("current_password", "wrong"), ("new_password", "short"), ("confirm_password", "other")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("at least 12 characters") && bad.body.contains("do not match"), "{}", bad.body);
        let wrong_current = browser.post_form("/staff/account/password", &[
            ("csrf_token", &csrf), ("current_password", "wrong"), ("new_password", "amber lantern meadow"), ("confirm_password", "amber lantern meadow")]).await;
        assert!(wrong_current.body.contains("Your current password is not right"));
        let ok = browser.post_form("/staff/account/password", &[
            ("csrf_token", &csrf), ("current_password", PASSWORD), ("new_password", "amber lantern meadow"), ("confirm_password", "amber lantern meadow")]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let mut fresh = Client::new(&router);
        assert_eq!(fresh.sign_in("reception", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(fresh.sign_in("reception", "amber lantern meadow").await.status, StatusCode::SEE_OTHER);
    }

    async fn the_guardian_reviews_break_glass_access(db: Db) {
        let (app, router) = setup(db).await;
        let clinician = store::governance::users::by_username(app.db(), "clinician").await.unwrap().unwrap();
        let mut tx = app.db().begin().await.unwrap();
        let ev = store::governance::audit::append(&mut tx, AuditEntry {
            at: domain::time::now(), actor_id: Some(clinician.id), actor_role: Some("clinician".into()),
            action: "view_patient".into(), resource_type: "patient".into(), resource_id: Some("p1".into()),
            patient_id: Some(uuid::Uuid::now_v7()), purpose: Some("direct_care".into()),
            reason: Some("break-glass with a recorded reason: collapsed in waiting room".into()),
            outcome: Outcome::Allowed, break_glass: true, operation_id: uuid::Uuid::now_v7(), client_addr: None,
        }).await.unwrap();
        tx.commit().await.unwrap();

        let mut browser = Client::new(&router);
        let csrf = browser.signed_in("guardian").await;
        let page = browser.get("/staff/audit/break-glass").await;
        assert!(page.body.contains("collapsed in waiting room"), "{}", page.body);
        let uri = format!("/staff/audit/break-glass/{}", ev.seq);
        let empty = browser.post_form(&uri, &[("csrf_token", &csrf), ("note", " ")]).await;
        assert_eq!(empty.status, StatusCode::SEE_OTHER);
        assert!(browser.get("/staff/audit/break-glass").await.body.contains("Enter your review note"));
        browser.post_form(&uri, &[("csrf_token", &csrf), ("note", "Justified: emergency care")]).await;
        let after = browser.get("/staff/audit/break-glass").await;
        assert!(after.body.contains("There are no accesses waiting for review"), "{}", after.body);

        let mut clinician_browser = Client::new(&router);
        clinician_browser.signed_in("clinician").await;
        assert_eq!(clinician_browser.get("/staff/audit/break-glass").await.status, StatusCode::FORBIDDEN);
    }

    async fn operations_endpoints_and_security_headers(db: Db) {
        let (app, router) = setup(db).await;
        let health = api(&router, Method::GET, "/healthz", None, None).await;
        assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, r#"{"status":"ok"}"#));
        let ready = api(&router, Method::GET, "/readyz", None, None).await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(ready.json()["migrations"], "current");
        let token = token_for(&app, "admin").await;
        let patient_like = uuid::Uuid::now_v7();
        api(&router, Method::GET, &format!("/api/v1/tokens/{patient_like}"), Some(&token), None).await;
        let page = Client::new(&router).get("/staff/login").await;
        let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(page.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert!(page.headers.contains_key(header::REFERRER_POLICY));
        assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert!(page.headers.get("x-operation-id").is_some());
        let cookie = page.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

        let metrics = api(&router, Method::GET, "/metrics", None, None).await;
        assert_eq!(metrics.status, StatusCode::OK);
        assert!(metrics.body.contains("http_requests_total"), "{}", metrics.body);
        assert!(metrics.body.contains("route=\"/healthz\""), "routes are labelled by pattern");
        assert!(metrics.body.contains("route=\"/api/v1/tokens/{id}\""), "{}", metrics.body);
        assert!(!metrics.body.contains(&patient_like.to_string()), "no ids in metric labels");
        assert!(metrics.body.contains("http_request_duration_seconds_bucket"), "latency histograms");
        assert!(metrics.body.contains("db_pool_connections"));
    }

    async fn secure_cookies_when_served_over_https(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = web::router(app, WebConfig { public_url: Some("https://carefront.example".into()), ..WebConfig::default() });
        let page = Client::new(&router).get("/staff/login").await;
        let cookie = page.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("Secure"), "{cookie}");
    }
}

#[test]
fn the_openapi_document_is_stable() {
    let doc: Value = serde_json::from_str(&web::api::openapi_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
}

mod patients_api {
    use super::*;

    async fn with_org(db: Db) -> (App, Router) {
        let (app, router) = setup(db).await;
        add_organisation(&app).await;
        (app, router)
    }

    const ZOE: &str = r#"{"nhs_number":"943 476 5919","given_names":"Zoë","family_name":"O'Brien","date_of_birth":"01/02/1980",
        "gender":"female","postcode":"bs1 4dj","phones":[{"number":"07700 900123"}],"email":"zoe@example.com","preferred_language":"cy"}"#;

    both_backends! {
        async fn register_read_search_and_change_a_patient(db: Db) {
            let (app, router) = with_org(db).await;
            let token = token_for(&app, "reception").await;
            let created = api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("application/json", ZOE))).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            let body = created.json();
            let id = body["id"].as_str().unwrap().to_owned();
            assert_eq!(created.location(), format!("/api/v1/patients/{id}"));
            assert_eq!(body["nhs_number"], "943 476 5919");
            assert_eq!(body["address"]["postcode"], "BS1 4DJ");
            assert_eq!(body["phones"][0]["number"], "+447700900123");
            assert_eq!(body["phones"][0]["kind"], "mobile");
            assert!(body["age"].as_i64().unwrap() >= 46);
            assert_eq!(created.headers.get(header::ETAG).unwrap(), "\"1\"");

            let found = api(&router, Method::GET, "/api/v1/patients?q=obrein", Some(&token), None).await;
            assert_eq!(found.status, StatusCode::OK, "{}", found.body);
            let found = found.json();
            assert_eq!(found["understood_as"], "name");
            assert_eq!(found["results"][0]["id"], id.as_str());
            let by_nhs = api(&router, Method::GET, "/api/v1/patients?q=9434765919", Some(&token), None).await.json();
            assert_eq!(by_nhs["understood_as"], "nhs_number");
            assert_eq!(by_nhs["total"], 1);

            let dup = api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("application/json", ZOE))).await;
            let p = assert_problem(&dup, StatusCode::CONFLICT, "duplicate-nhs-number");
            assert_eq!(p["existing"][0]["id"], id.as_str());

            let patch = api(&router, Method::PATCH, &format!("/api/v1/patients/{id}"), Some(&token),
                Some(("application/merge-patch+json", r#"{"family_name":"O'Brien-Ng","email":null}"#))).await;
            assert_eq!(patch.status, StatusCode::OK, "{}", patch.body);
            assert_eq!(patch.json()["family_name"], "O'Brien-Ng");
            assert_eq!(patch.json()["email"], Value::Null);
            assert_eq!(patch.json()["version"], 2);

            let stale = Client::new(&router).send(Request::patch(format!("/api/v1/patients/{id}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}")).header(header::IF_MATCH, "\"1\"")
                .header(header::CONTENT_TYPE, "application/merge-patch+json").body(Body::from(r#"{"town":"Bath"}"#)).unwrap()).await;
            assert_problem(&stale, StatusCode::CONFLICT, "conflict");
            let read = api(&router, Method::GET, &format!("/api/v1/patients/{id}"), Some(&token), None).await;
            assert_eq!(read.json()["town"], Value::Null, "the stale change was not applied");
        }

        async fn bad_patient_input_names_every_field_and_changes_nothing(db: Db) {
            let (app, router) = with_org(db).await;
            let token = token_for(&app, "reception").await;
            let cases: &[(&str, &str)] = &[
                (r#"{"nhs_number":"943 476 5918","given_names":"A","family_name":"B","date_of_birth":"1980-01-01"}"#, "nhs_number"),
                (r#"{"nhs_number":"943 476 591","given_names":"A","family_name":"B","date_of_birth":"1980-01-01"}"#, "nhs_number"),
                (r#"{"nhs_number":"94347659190","given_names":"A","family_name":"B","date_of_birth":"1980-01-01"}"#, "nhs_number"),
                (r#"{"nhs_number":"ABCDEFGHIJ","given_names":"A","family_name":"B","date_of_birth":"1980-01-01"}"#, "nhs_number"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"2099-01-01"}"#, "date_of_birth"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"1800-01-01"}"#, "date_of_birth"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"30/02/1980"}"#, "date_of_birth"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"1980-01-01","postcode":"XYZ"}"#, "postcode"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"1980-01-01","phones":[{"number":"12345"}]}"#, "phones[0].number"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"1980-01-01","phones":[{"number":"020 7946 0000","kind":"mobile"}]}"#, "phones[0].kind"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"1980-01-01","email":"name@"}"#, "email"),
                (r#"{"given_names":"   ","family_name":"B","date_of_birth":"1980-01-01"}"#, "given_names"),
                (r#"{"given_names":"A","family_name":"B","date_of_birth":"1980-01-01","colour":"red"}"#, "colour"),
                (r#"{"given_names":42,"family_name":"B","date_of_birth":"1980-01-01"}"#, "given_names"),
            ];
            for (body, field) in cases {
                let res = api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("application/json", body))).await;
                let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
                assert_eq!(p["errors"][0]["field"], *field, "{body}: {p}");
            }
            let long = format!(r#"{{"given_names":"{}","family_name":"B","date_of_birth":"1980-01-01"}}"#, "x".repeat(10_000));
            let p = assert_problem(&api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("application/json", &long))).await, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            assert_eq!(p["errors"][0]["field"], "given_names");
            let truncated = api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("application/json", r#"{"given_names":"A""#))).await;
            assert_problem(&truncated, StatusCode::BAD_REQUEST, "malformed-json");
            let wrong_type = api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("text/csv", "a,b"))).await;
            assert_problem(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
            let script = r#"{"given_names":"<script>alert(1)</script>","family_name":"B","date_of_birth":"1980-01-01"}"#;
            let res = api(&router, Method::POST, "/api/v1/patients", Some(&token), Some(("application/json", script))).await;
            assert_eq!(res.json()["given_names"], "<script>alert(1)</script>", "stored as text");
            let script_id = res.json()["id"].as_str().unwrap().to_owned();
            let mut browser = Client::new(&router);
            browser.signed_in("reception").await;
            let page = browser.get(&format!("/staff/patients/{script_id}")).await;
            assert!(!page.body.contains("<script>alert(1)</script>"), "never output unescaped");
            assert!(page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "shown as the text typed");
            assert_eq!(store::patients::count(app.db()).await.unwrap(), 1, "only the good record was stored");
            let unknown = api(&router, Method::GET, &format!("/api/v1/patients/{}", uuid::Uuid::now_v7()), Some(&token), None).await;
            assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
            let bad_purpose = api(&router, Method::GET, "/api/v1/patients?q=b&purpose=curiosity", Some(&token), None).await;
            assert_problem(&bad_purpose, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let admin = token_for(&app, "admin").await;
            assert_problem(&api(&router, Method::GET, "/api/v1/patients?q=b", Some(&admin), None).await, StatusCode::FORBIDDEN, "forbidden");
        }
    }
}

mod patient_pages {
    use super::*;

    async fn setup_org(db: Db) -> (App, Router) {
        let (app, router) = setup(db).await;
        add_organisation(&app).await;
        (app, router)
    }

    fn id_from(location: &str) -> String {
        location.trim_start_matches("/staff/patients/").to_owned()
    }

    both_backends! {
        async fn reception_registers_finds_reads_and_changes_a_patient(db: Db) {
            let (app, router) = setup_org(db).await;
            let mut desk = Client::new(&router);
            let csrf = desk.signed_in("reception").await;
            let form = desk.get("/staff/patients/new").await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(form.body.contains("<h1>Register a new patient</h1>"));

            let bad = desk.post_form("/staff/patients/new", &[("csrf_token", &csrf), ("given_names", " "), ("family_name", "Nguyễn"),
                ("date_of_birth", "31/04/1990"), ("postcode", "nope"), ("mobile", "12"), ("gender", "female")]).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            for (field, message) in [("given_names", "Enter the given names"), ("date_of_birth", "real date"), ("postcode", "real postcode"), ("mobile", "Start the number with 0")] {
                assert!(bad.body.contains(&format!("href=\"#{field}\"")), "summary links to {field}");
                assert!(bad.body.contains(message), "{message}");
            }
            assert!(bad.body.contains("value=\"Nguyễn\""), "what was typed is kept");

            let good = [("csrf_token", csrf.as_str()), ("given_names", "Anh"), ("family_name", "Nguyễn"), ("preferred_name", "Annie"),
                ("date_of_birth", "30/04/1990"), ("gender", "female"), ("nhs_number", "943 476 5919"), ("address_line_1", "2 Mill Lane"),
                ("town", "Bristol"), ("postcode", "bs1 4dj"), ("mobile", "07700 900123"), ("preferred_language", "ur"), ("interpreter_language", "ur")];
            let done = desk.post_form("/staff/patients/new", &good).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            let id = id_from(done.location());
            let record = desk.get(done.location()).await;
            assert_eq!(record.status, StatusCode::OK);
            for shown in ["The patient has been registered", "Anh NGUYỄN", "(known as Annie)", "943 476 5919", "30 April 1990", "BS1 4DJ", "07700 900123", "Prefers Urdu (ur)", "Needs an interpreter: Urdu (ur)"] {
                assert!(record.body.contains(shown), "{shown} missing");
            }

            // The same person again: refused, naming the record.
            let again = desk.post_form("/staff/patients/new", &good).await;
            assert_eq!(again.status, StatusCode::CONFLICT);
            assert!(again.body.contains(&format!("/staff/patients/{id}")) && !again.body.contains("Yes, register as a new patient"));
            // Someone similar: a warning that can be confirmed.
            let similar = [("csrf_token", csrf.as_str()), ("given_names", "Ann"), ("family_name", "Nguyen"), ("date_of_birth", "1990-04-30"), ("gender", "female")];
            let warn = desk.post_form("/staff/patients/new", &similar).await;
            assert_eq!(warn.status, StatusCode::CONFLICT);
            assert!(warn.body.contains("same date of birth and a similar name") && warn.body.contains("Yes, register as a new patient"));
            let confirmed = desk.post_form("/staff/patients/new/confirm", &[("csrf_token", &csrf)]).await;
            assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
            assert_ne!(id_from(confirmed.location()), id);

            let search_page = desk.get("/staff/patients").await;
            assert!(search_page.body.contains("<form method=\"post\" action=\"/staff/patients/search\""), "searches are posted, not put in the address");
            let posted = desk.post_form("/staff/patients/search", &[("csrf_token", &csrf), ("q", "nguyen 30/04/1990")]).await;
            assert_eq!((posted.status, posted.location()), (StatusCode::SEE_OTHER, "/staff/patients/results"), "results have a plain address");
            let found = desk.get(posted.location()).await;
            assert_eq!(found.status, StatusCode::OK);
            assert!(!posted.location().contains("nguyen"), "no search text in the address");
            assert!(found.body.contains("2 patients found"), "{}", found.body);
            let empty = desk.post_form("/staff/patients/search", &[("csrf_token", &csrf), ("q", " ")]).await;
            assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(empty.body.contains("Enter a name, NHS number"));

            let edit = desk.get(&format!("/staff/patients/{id}/edit")).await;
            assert!(edit.body.contains("value=\"30/04/1990\"") && edit.body.contains("value=\"07700 900123\""));
            let version = "1";
            let mut changed: Vec<(&str, &str)> = good.to_vec();
            changed.retain(|(k, _)| *k != "postcode");
            changed.extend([("postcode", "CF10 1EP"), ("version", version), ("reason", "Moved to Cardiff")]);
            let saved = desk.post_form(&format!("/staff/patients/{id}/edit"), &changed).await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            assert!(desk.get(&format!("/staff/patients/{id}")).await.body.contains("CF10 1EP"));
            let stale = desk.post_form(&format!("/staff/patients/{id}/edit"), &changed).await;
            assert_eq!(stale.status, StatusCode::SEE_OTHER);
            assert!(desk.get(&format!("/staff/patients/{id}")).await.body.contains("Someone else changed this record"));

            // Reception may not see the history; a clinician may.
            assert_eq!(desk.get(&format!("/staff/patients/{id}/history")).await.status, StatusCode::FORBIDDEN);
            let mut doctor = Client::new(&router);
            doctor.signed_in("clinician").await;
            let history = doctor.get(&format!("/staff/patients/{id}/history")).await;
            assert_eq!(history.status, StatusCode::OK);
            assert!(history.body.contains("BS1 4DJ") && history.body.contains("CF10 1EP") && history.body.contains("Moved to Cardiff"));
            assert!(history.body.contains("reception person (reception)"));
            let views = audit_actions(&app).await.into_iter().filter(|(a, _, _)| a == "view_patient").count();
            assert!(views >= 4, "every look at the record is audited");
        }

        async fn a_clinician_breaks_the_glass_with_a_reason(db: Db) {
            let (app, router) = setup_org(db).await;
            let mut desk = Client::new(&router);
            let csrf = desk.signed_in("reception").await;
            let done = desk.post_form("/staff/patients/new", &[("csrf_token", &csrf), ("given_names", "Gone"), ("family_name", "Away"),
                ("date_of_birth", "1950-05-05"), ("gender", "male")]).await;
            let id = id_from(done.location());
            let token = token_for(&app, "reception").await;
            let patch = api(&router, Method::PATCH, &format!("/api/v1/patients/{id}"), Some(&token),
                Some(("application/json", r#"{"registration_status":"deregistered","deregistered_reason":"Moved to Leeds"}"#))).await;
            assert_eq!(patch.status, StatusCode::OK, "{}", patch.body);
            assert_eq!(patch.json()["deregistered_on"], app::patients::today().to_string(), "the date defaults to today");
            assert_eq!(patch.json()["deregistered_reason"], "Moved to Leeds");

            let mut doctor = Client::new(&router);
            let dcsrf = doctor.signed_in("clinician").await;
            let page = doctor.get(&format!("/staff/patients/{id}")).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN);
            assert!(page.body.contains("You do not usually have access to this record"));
            let blank = doctor.post_form(&format!("/staff/patients/{id}/break-glass"), &[("csrf_token", &dcsrf), ("reason", "")]).await;
            assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
            let opened = doctor.post_form(&format!("/staff/patients/{id}/break-glass"), &[("csrf_token", &dcsrf), ("reason", "Called by A&E about this patient")]).await;
            assert_eq!((opened.status, opened.location()), (StatusCode::SEE_OTHER, format!("/staff/patients/{id}").as_str()));
            let record = doctor.get(opened.location()).await;
            assert_eq!(record.status, StatusCode::OK);
            assert!(record.body.contains("You opened this record outside your usual access"));
            // The reason covers this record for a while: reload, change details and history work.
            assert_eq!(doctor.get(&format!("/staff/patients/{id}")).await.status, StatusCode::OK);
            assert_eq!(doctor.get(&format!("/staff/patients/{id}/edit")).await.status, StatusCode::OK);
            assert_eq!(doctor.get(&format!("/staff/patients/{id}/history")).await.status, StatusCode::OK);
            let glass_events = audit_actions(&app).await.into_iter().filter(|(a, o, r)| a == "view_patient" && o == "allowed" && r.contains("Called by A&E")).count();
            assert!(glass_events >= 3, "every look is still audited with the reason");
            let mut guardian = Client::new(&router);
            guardian.signed_in("guardian").await;
            let review = guardian.get("/staff/audit/break-glass").await;
            assert!(review.body.contains("Reason given: Called by A&#38;E about this patient"), "{}", review.body);
            assert!(review.body.contains("patient Gone AWAY"), "the guardian sees who was looked at");
        }
    }
}

mod record_parts {
    use super::*;

    both_backends! {
        async fn needs_related_people_and_restricted_alerts(db: Db) {
            let (app, router) = setup(db).await;
            add_organisation(&app).await;
            let desk = token_for(&app, "reception").await;
            let doctor = token_for(&app, "clinician").await;
            let created = api(&router, Method::POST, "/api/v1/patients", Some(&desk),
                Some(("application/json", r#"{"given_names":"Bea","family_name":"Lake","date_of_birth":"1966-06-06"}"#))).await;
            let id = created.json()["id"].as_str().unwrap().to_owned();
            let base = format!("/api/v1/patients/{id}");

            let unknown = api(&router, Method::POST, &format!("{base}/needs"), Some(&desk), Some(("application/json", r#"{"code":"123456"}"#))).await;
            assert_eq!(assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "code");
            let bsl = api(&router, Method::POST, &format!("{base}/needs"), Some(&desk), Some(("application/json", r#"{"code":"204331000000107","detail":"Prefers a named interpreter"}"#))).await;
            assert_eq!(bsl.status, StatusCode::CREATED, "{}", bsl.body);
            let again = api(&router, Method::POST, &format!("{base}/needs"), Some(&desk), Some(("application/json", r#"{"code":"204331000000107"}"#))).await;
            assert_problem(&again, StatusCode::CONFLICT, "conflict");

            let no_consent = api(&router, Method::POST, &format!("{base}/related-people"), Some(&desk),
                Some(("application/json", r#"{"name":"Sam Lake","relationship":"proxy","may_book":true}"#))).await;
            assert_eq!(assert_problem(&no_consent, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "consent_source");
            let carer = api(&router, Method::POST, &format!("{base}/related-people"), Some(&desk),
                Some(("application/json", r#"{"name":"Sam Lake","relationship":"carer","phone":"07700 900555","may_book":true,"consent_source":"patient, at the desk"}"#))).await;
            assert_eq!(carer.status, StatusCode::CREATED, "{}", carer.body);

            let refused = api(&router, Method::POST, &format!("{base}/alerts"), Some(&desk), Some(("application/json", r#"{"kind":"safeguarding","text":"See safeguarding lead"}"#))).await;
            assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
            let alert = api(&router, Method::POST, &format!("{base}/alerts"), Some(&doctor), Some(("application/json", r#"{"kind":"safeguarding","text":"Contact the safeguarding lead first"}"#))).await;
            assert_eq!(alert.status, StatusCode::CREATED, "{}", alert.body);

            let as_desk = api(&router, Method::GET, &base, Some(&desk), None).await.json();
            assert_eq!(as_desk["communication_needs"][0]["label"], "British Sign Language interpreter needed");
            assert_eq!(as_desk["communication_needs"][0]["system"], "http://snomed.info/sct");
            assert_eq!(as_desk["related_people"][0]["phone"], "+447700900555");
            assert_eq!(as_desk["restricted_alerts"], "restricted");
            assert_eq!(as_desk["alerts"], json!([]));
            let as_doctor = api(&router, Method::GET, &base, Some(&doctor), None).await.json();
            assert_eq!(as_doctor["restricted_alerts"], "visible");
            assert_eq!(as_doctor["alerts"][0]["text"], "Contact the safeguarding lead first");

            let mut browser = Client::new(&router);
            browser.signed_in("reception").await;
            let page = browser.get(&format!("/staff/patients/{id}")).await;
            assert!(page.body.contains("Communication needs:</strong> British Sign Language interpreter needed"), "needs flag on the banner");
            assert!(page.body.contains("Restricted alert – speak to the duty clinician"));
            assert!(!page.body.contains("safeguarding lead first"), "reception never sees the alert's content");
            assert!(page.body.contains("Sam Lake – carer") && page.body.contains("may book"));

            // Channel consent: SMS needs a mobile, so a landline-only record cannot switch SMS on.
            let sms = api(&router, Method::PUT, &format!("{base}/contact-preferences"), Some(&desk),
                Some(("application/json", r#"[{"channel":"sms","opted_in":true,"source":"patient, by phone"}]"#))).await;
            assert_eq!(assert_problem(&sms, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "[0].opted_in");
            let bad = api(&router, Method::PUT, &format!("{base}/contact-preferences"), Some(&desk),
                Some(("application/json", r#"[{"channel":"pigeon","opted_in":true,"source":"x"},{"channel":"letter","opted_in":true,"source":" "}]"#))).await;
            let fields: Vec<String> = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"].as_array().unwrap()
                .iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
            assert_eq!(fields, vec!["[0].channel", "[1].source"]);
            let prefs = api(&router, Method::PUT, &format!("{base}/contact-preferences"), Some(&desk),
                Some(("application/json", r#"[{"channel":"letter","opted_in":true,"source":"patient, at the desk"},{"channel":"sms","opted_in":false,"source":"patient, at the desk"}]"#))).await;
            assert_eq!(prefs.status, StatusCode::NO_CONTENT, "{}", prefs.body);
            let ident = api(&router, Method::POST, &format!("{base}/identifiers"), Some(&desk),
                Some(("application/json", r#"{"system":"https://example.nhs.uk/Id/hospital-number","value":"H123456"}"#))).await;
            assert_eq!(ident.status, StatusCode::CREATED, "{}", ident.body);
            let not_uri = api(&router, Method::POST, &format!("{base}/identifiers"), Some(&desk),
                Some(("application/json", r#"{"system":"hospital number","value":"H1"}"#))).await;
            assert_problem(&not_uri, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let note = api(&router, Method::POST, &format!("{base}/disagreements"), Some(&desk),
                Some(("application/json", r#"{"field":"date_of_birth","note":"Patient says she was born on 7 June, not 6 June"}"#))).await;
            assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
            let whole = api(&router, Method::GET, &base, Some(&desk), None).await.json();
            assert_eq!(whole["contact_preferences"][0]["channel"], "letter");
            assert_eq!(whole["contact_preferences"][1]["opted_in"], false);
            assert_eq!(whole["identifiers"][0]["value"], "H123456");
            assert_eq!(whole["date_of_birth"], "1966-06-06", "a note of disagreement does not change the value");
            assert!(whole["notes_of_disagreement"][0]["note"].as_str().unwrap().contains("7 June"));

            // The same through the pages.
            let pcsrf = browser.get(&format!("/staff/patients/{id}/needs")).await.csrf();
            let none = browser.post_form(&format!("/staff/patients/{id}/needs"), &[("csrf_token", &pcsrf), ("code", "")]).await;
            assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(none.body.contains("Choose a need"));
            let added = browser.post_form(&format!("/staff/patients/{id}/needs"), &[("csrf_token", &pcsrf), ("code", "957331000000109"), ("detail", "")]).await;
            assert_eq!(added.status, StatusCode::SEE_OTHER);
            assert!(browser.get(&format!("/staff/patients/{id}")).await.body.contains("Requires large print, 20 point or more"));
            let proxy = browser.post_form(&format!("/staff/patients/{id}/related-people"), &[("csrf_token", &pcsrf), ("name", "Jo Lake"),
                ("relationship", "proxy"), ("may_book", "yes"), ("consent_source", "")]).await;
            assert_eq!(proxy.status, StatusCode::UNPROCESSABLE_ENTITY, "a proxy needs the patient's consent");
            assert!(proxy.body.contains("Record how the patient agreed"));
            let ok = browser.post_form(&format!("/staff/patients/{id}/related-people"), &[("csrf_token", &pcsrf), ("name", "Jo Lake"),
                ("relationship", "proxy"), ("may_book", "yes"), ("consent_source", "patient, in writing")]).await;
            assert_eq!(ok.status, StatusCode::SEE_OTHER);
            assert_eq!(browser.get(&format!("/staff/patients/{id}/alerts")).await.status, StatusCode::FORBIDDEN, "reception cannot add alerts");

            let need_id = as_desk["communication_needs"][0]["id"].as_str().unwrap();
            let removed = api(&router, Method::DELETE, &format!("{base}/needs/{need_id}"), Some(&desk), None).await;
            assert_eq!(removed.status, StatusCode::NO_CONTENT);
            let left = api(&router, Method::GET, &base, Some(&desk), None).await.json();
            assert_eq!(left["communication_needs"].as_array().unwrap().len(), 1, "only the large-print need is left");
            let history = store::patients::history(app.db(), uuid::Uuid::parse_str(&id).unwrap()).await.unwrap();
            assert!(history.iter().any(|h| h.field == "restricted_alerts" && h.new_value.as_deref() == Some("alert added")), "history never holds alert text");
            assert!(history.iter().any(|h| h.field == "communication_needs" && h.old_value.is_some() && h.new_value.is_none()));
        }
    }
}

mod record_notes {
    use super::*;

    /// A patient registered through the API by reception: (id, reception's token).
    async fn patient(app: &App, router: &Router, body: &str) -> (String, String) {
        let desk = token_for(app, "reception").await;
        let created = api(
            router,
            Method::POST,
            "/api/v1/patients?confirm_possible_duplicate=true",
            Some(&desk),
            Some(("application/json", body)),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        (created.json()["id"].as_str().unwrap().to_owned(), desk)
    }

    fn count(actions: &[(String, String, String)], action: &str, outcome: &str) -> usize {
        actions.iter().filter(|(a, o, _)| a == action && o == outcome).count()
    }

    both_backends! {
        async fn other_identifiers_and_notes_of_disagreement_on_the_staff_pages(db: Db) {
            let (app, router) = setup(db).await;
            add_organisation(&app).await;
            let (id, desk) = patient(&app, &router, r#"{"given_names":"Bea","family_name":"Lake","date_of_birth":"1966-06-06","phones":[{"number":"07700 900555"}]}"#).await;
            let (other, _) = patient(&app, &router, r#"{"given_names":"Cal","family_name":"Moor","date_of_birth":"1970-01-01"}"#).await;
            let mut browser = Client::new(&router);
            let csrf = browser.signed_in("reception").await;
            let record = browser.get(&format!("/staff/patients/{id}")).await;
            assert!(record.body.contains(&format!("href=\"/staff/patients/{id}/identifiers\"")), "reachable from the summary");
            assert!(record.body.contains(&format!("href=\"/staff/patients/{id}/disagreements\"")));

            // Other identifiers: every bad field named, what was typed kept, nothing stored.
            let page = browser.get(&format!("/staff/patients/{id}/identifiers")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("<h1>Other identifiers</h1>") && page.body.contains("None recorded."));
            let url = format!("/staff/patients/{id}/identifiers");
            let bad = browser.post_form(&url, &[("csrf_token", &csrf), ("system", "hospital number"), ("value", " ")]).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
            for (field, message) in [("system", "The system must be a URI"), ("value", "Enter the identifier")] {
                assert!(bad.body.contains(&format!("href=\"#{field}\"")), "the summary links to {field}");
                assert!(bad.body.contains(&format!("id=\"{field}-error\"")) && bad.body.contains(message), "{message}");
            }
            assert!(bad.body.contains("value=\"hospital number\""), "what was typed is kept");
            let nhs = browser.post_form(&url, &[("csrf_token", &csrf), ("system", "https://fhir.nhs.uk/Id/nhs-number"), ("value", "9434765919")]).await;
            assert_eq!(nhs.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(nhs.body.contains("Record the NHS number in the nhs_number field"));
            let no_token = browser.post_form(&url, &[("system", "https://example.nhs.uk/Id/hospital-number"), ("value", "H123456")]).await;
            assert_eq!(no_token.status, StatusCode::FORBIDDEN, "the form needs the session's token");
            let pid = uuid::Uuid::parse_str(&id).unwrap();
            assert!(store::patients::identifiers_of(app.db(), pid).await.unwrap().is_empty(), "nothing stored");

            let added = browser.post_form(&url, &[("csrf_token", &csrf), ("system", " https://example.nhs.uk/Id/hospital-number "), ("value", "H123456")]).await;
            assert_eq!((added.status, added.location()), (StatusCode::SEE_OTHER, url.as_str()));
            let listed = browser.get(&url).await;
            assert!(listed.body.contains("The identifier has been added.") && listed.body.contains("<dt>H123456</dt><dd>Issued by https://example.nhs.uk/Id/hospital-number</dd>"), "{}", listed.body);
            let clash = browser.post_form(&format!("/staff/patients/{other}/identifiers"), &[("csrf_token", &csrf), ("system", "https://example.nhs.uk/Id/hospital-number"), ("value", "H123456")]).await;
            assert_eq!(clash.status, StatusCode::CONFLICT);
            assert!(clash.body.contains("href=\"#value\"") && clash.body.contains("Another patient already has this identifier"));
            let via_api = api(&router, Method::GET, &format!("/api/v1/patients/{id}"), Some(&desk), None).await.json();
            assert_eq!(via_api["identifiers"], json!([{"system": "https://example.nhs.uk/Id/hospital-number", "value": "H123456"}]));

            // Notes of disagreement: attached to a field, the value itself unchanged.
            let durl = format!("/staff/patients/{id}/disagreements");
            let form = browser.get(&durl).await;
            assert_eq!(form.status, StatusCode::OK);
            assert!(form.body.contains("<h1>Notes of disagreement</h1>") && form.body.contains("<option value=\"date_of_birth\">Date of birth</option>"));
            let empty = browser.post_form(&durl, &[("csrf_token", &csrf), ("field", ""), ("note", "  ")]).await;
            assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
            for (field, message) in [("field", "Choose what the patient disagrees with"), ("note", "Enter what the patient disagrees with and why")] {
                assert!(empty.body.contains(&format!("href=\"#{field}\"")) && empty.body.contains(message), "{message}");
            }
            let unknown = browser.post_form(&durl, &[("csrf_token", &csrf), ("field", "shoe_size"), ("note", "<b>Not 9</b>")]).await;
            assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(unknown.body.contains("&#60;b&#62;Not 9&#60;/b&#62;</textarea>"), "the note typed is kept, escaped");
            let long = "x".repeat(10_000);
            let too_long = browser.post_form(&durl, &[("csrf_token", &csrf), ("field", "address"), ("note", &long)]).await;
            assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(too_long.body.contains("<option value=\"address\" selected>"), "the field chosen is kept");
            assert!(store::patients::disagreements_of(app.db(), pid).await.unwrap().is_empty(), "nothing stored");

            let dob = browser.post_form(&durl, &[("csrf_token", &csrf), ("field", "date_of_birth"), ("note", "Patient says she was born on 7 June, not 6 June")]).await;
            assert_eq!((dob.status, dob.location()), (StatusCode::SEE_OTHER, format!("/staff/patients/{id}").as_str()));
            let phone = browser.post_form(&durl, &[("csrf_token", &csrf), ("field", "phones"), ("note", "That mobile is her daughter's")]).await;
            assert_eq!(phone.status, StatusCode::SEE_OTHER);
            let other_note = browser.post_form(&durl, &[("csrf_token", &csrf), ("field", "other"), ("note", "Disagrees with the practice's records generally")]).await;
            assert_eq!(other_note.status, StatusCode::SEE_OTHER);
            let summary = browser.get(&format!("/staff/patients/{id}")).await;
            assert!(summary.body.contains("note of disagreement has been recorded"));
            assert!(summary.body.contains("<dt>Date of birth</dt><dd>6 June 1966<p class=\"app-warning-text\"><strong>The patient disagrees:</strong> Patient says she was born on 7 June, not 6 June"),
                "the note is beside the field it is about: {}", summary.body);
            assert!(summary.body.contains("<dt>Mobile</dt><dd>07700 900555<p class=\"app-warning-text\"><strong>The patient disagrees:</strong> That mobile is her daughter&#39;s"), "{}", summary.body);
            assert!(summary.body.contains("<h2>Notes of disagreement</h2>") && summary.body.contains("<dt>Other</dt>"), "a note about nothing in particular has its own section");
            let whole = api(&router, Method::GET, &format!("/api/v1/patients/{id}"), Some(&desk), None).await.json();
            assert_eq!(whole["date_of_birth"], "1966-06-06", "a note of disagreement does not change the value");
            assert_eq!(whole["notes_of_disagreement"].as_array().unwrap().len(), 3);

            // The history shows the notes beside the changes (for roles that may read it).
            let mut doctor = Client::new(&router);
            doctor.signed_in("clinician").await;
            let history = doctor.get(&format!("/staff/patients/{id}/history")).await;
            assert_eq!(history.status, StatusCode::OK);
            assert!(history.body.contains("<h2>Notes of disagreement</h2>") && history.body.contains("born on 7 June"));
            assert!(history.body.contains("About: Date of birth") && history.body.contains("reception person (reception)"));

            // The policy as in the API: the guardian may look, not change; refusals are audited.
            let mut guardian = Client::new(&router);
            let gcsrf = guardian.signed_in("guardian").await;
            let look = guardian.get(&url).await;
            assert_eq!(look.status, StatusCode::OK);
            assert!(look.body.contains("H123456") && !look.body.contains("Add identifier"), "no form for a role that cannot change records");
            assert!(!guardian.get(&durl).await.body.contains("Record note"));
            let refused = guardian.post_form(&url, &[("csrf_token", &gcsrf), ("system", "urn:oid:1.2.3"), ("value", "G1")]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            let refused = guardian.post_form(&durl, &[("csrf_token", &gcsrf), ("field", "email"), ("note", "x")]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            let missing = browser.post_form(&format!("/staff/patients/{}/disagreements", uuid::Uuid::now_v7()), &[("csrf_token", &csrf), ("field", "email"), ("note", "x")]).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND);

            let actions = audit_actions(&app).await;
            assert_eq!(count(&actions, "add_identifier", "allowed"), 1);
            assert_eq!(count(&actions, "add_disagreement", "allowed"), 3);
            assert_eq!(count(&actions, "edit_patient", "denied"), 2, "the guardian's two attempts");
            assert_eq!(store::patients::identifiers_of(app.db(), pid).await.unwrap().len(), 1);
            assert_eq!(store::patients::disagreements_of(app.db(), pid).await.unwrap().len(), 3);
        }

        async fn reviewing_a_communication_need(db: Db) {
            let (app, router) = setup(db).await;
            add_organisation(&app).await;
            let (id, desk) = patient(&app, &router, r#"{"given_names":"Bea","family_name":"Lake","date_of_birth":"1966-06-06"}"#).await;
            let (other, _) = patient(&app, &router, r#"{"given_names":"Cal","family_name":"Moor","date_of_birth":"1970-01-01"}"#).await;
            let base = format!("/api/v1/patients/{id}");
            let add = |patient: String, code: &'static str| { let router = router.clone(); let desk = desk.clone(); async move {
                let res = api(&router, Method::POST, &format!("/api/v1/patients/{patient}/needs"), Some(&desk), Some(("application/json", &format!(r#"{{"code":"{code}"}}"#)))).await;
                assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
                res.json()["id"].as_str().unwrap().to_owned()
            }};
            let bsl = add(id.clone(), "204331000000107").await;
            let print = add(id.clone(), "957331000000109").await;
            let others = add(other.clone(), "204331000000107").await;
            let pid = uuid::Uuid::parse_str(&id).unwrap();
            let history_len = |p: uuid::Uuid| { let app = app.clone(); async move { store::patients::history(app.db(), p).await.unwrap().len() } };
            let before = (history_len(pid).await, audit_actions(&app).await.len());

            // Bad input: problem+json, nothing changed.
            let unknown = api(&router, Method::POST, &format!("{base}/needs/{}/review", uuid::Uuid::now_v7()), Some(&desk), None).await;
            assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
            let not_theirs = api(&router, Method::POST, &format!("{base}/needs/{others}/review"), Some(&desk), None).await;
            assert_problem(&not_theirs, StatusCode::NOT_FOUND, "not-found");
            let no_patient = api(&router, Method::POST, &format!("/api/v1/patients/{}/needs/{bsl}/review", uuid::Uuid::now_v7()), Some(&desk), None).await;
            assert_problem(&no_patient, StatusCode::NOT_FOUND, "not-found");
            let not_an_id = api(&router, Method::POST, &format!("{base}/needs/bsl/review"), Some(&desk), None).await;
            assert_problem(&not_an_id, StatusCode::BAD_REQUEST, "bad-request");
            let admin = token_for(&app, "admin").await;
            let refused = api(&router, Method::POST, &format!("{base}/needs/{bsl}/review"), Some(&admin), None).await;
            assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
            let removed = api(&router, Method::DELETE, &format!("{base}/needs/{print}"), Some(&desk), None).await;
            assert_eq!(removed.status, StatusCode::NO_CONTENT);
            let after_remove = (history_len(pid).await, audit_actions(&app).await.len());
            let gone = api(&router, Method::POST, &format!("{base}/needs/{print}/review"), Some(&desk), None).await;
            assert_problem(&gone, StatusCode::NOT_FOUND, "not-found");
            assert_eq!(history_len(pid).await, before.0 + 1, "only the removal is in the history");
            assert_eq!(audit_actions(&app).await.len(), after_remove.1, "a need not found writes no audit event");
            assert!(after_remove.1 > before.1);
            let whole = api(&router, Method::GET, &base, Some(&desk), None).await.json();
            assert_eq!(whole["communication_needs"][0]["reviewed_on"], Value::Null, "nothing was reviewed");
            let theirs = api(&router, Method::GET, &format!("/api/v1/patients/{other}"), Some(&desk), None).await.json();
            assert_eq!(theirs["communication_needs"][0]["reviewed_on"], Value::Null);

            // Marked reviewed today, by whom kept in the history, audited.
            let today = app::patients::today().to_string();
            let reviewed = api(&router, Method::POST, &format!("{base}/needs/{bsl}/review"), Some(&desk), None).await;
            assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
            let need = reviewed.json();
            assert_eq!((need["id"].as_str(), need["reviewed_on"].as_str()), (Some(bsl.as_str()), Some(today.as_str())));
            assert_eq!(need["label"], "British Sign Language interpreter needed");
            let whole = api(&router, Method::GET, &base, Some(&desk), None).await.json();
            assert_eq!(whole["communication_needs"][0]["reviewed_on"], today.as_str());
            let history = store::patients::history(app.db(), pid).await.unwrap();
            let entry = history.iter().find(|h| h.field == "communication_need_reviewed").expect("kept in the history");
            assert_eq!(entry.old_value.as_deref(), Some("British Sign Language interpreter needed: not reviewed"));
            assert_eq!(entry.new_value, Some(format!("British Sign Language interpreter needed: reviewed on {today}")));
            assert!(entry.changed_by.is_some(), "who reviewed it");
            let actions = audit_actions(&app).await;
            assert_eq!(count(&actions, "review_need", "allowed"), 1);
            assert!(count(&actions, "edit_patient", "denied") >= 1, "the admin's refusal is audited");

            // The same through the needs page.
            let mut browser = Client::new(&router);
            let csrf = browser.signed_in("reception").await;
            let page = browser.get(&format!("/staff/patients/{other}/needs")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("Not reviewed yet") && page.body.contains(&format!("action=\"/staff/patients/{other}/needs/{others}/review\"")));
            let done = browser.post_form(&format!("/staff/patients/{other}/needs/{others}/review"), &[("csrf_token", &csrf)]).await;
            assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, format!("/staff/patients/{other}/needs").as_str()));
            let page = browser.get(&format!("/staff/patients/{other}/needs")).await;
            let words = app::patients::today().strftime("%-d %B %Y").to_string();
            assert!(page.body.contains("The need has been marked as reviewed today.") && page.body.contains(&format!("Reviewed on {words}")), "{}", page.body);
            assert!(!page.body.contains("Not reviewed yet"));
            let wrong = browser.post_form(&format!("/staff/patients/{other}/needs/{bsl}/review"), &[("csrf_token", &csrf)]).await;
            assert_eq!(wrong.status, StatusCode::NOT_FOUND, "another patient's need");
            let no_token = browser.post_form(&format!("/staff/patients/{id}/needs/{bsl}/review"), &[]).await;
            assert_eq!(no_token.status, StatusCode::FORBIDDEN);
            assert_eq!(count(&audit_actions(&app).await, "review_need", "allowed"), 2);
        }
    }
}

mod merging {
    use super::*;

    both_backends! {
        async fn a_manager_merges_duplicates_and_the_old_id_resolves(db: Db) {
            let (app, router) = setup(db).await;
            app.create_user(&Ctx::command_line(), NewUser { username: "manager".into(), display_name: "Manager".into(), role: "practice_manager".into(), password: PASSWORD.into() }).await.unwrap();
            add_organisation(&app).await;
            let desk = token_for(&app, "reception").await;
            let manager = token_for(&app, "manager").await;
            let post = |body: &'static str| { let router = router.clone(); let desk = desk.clone(); async move {
                api(&router, Method::POST, "/api/v1/patients?confirm_possible_duplicate=true", Some(&desk), Some(("application/json", body))).await.json()["id"].as_str().unwrap().to_owned()
            }};
            let keep = post(r#"{"given_names":"Kate","family_name":"Moss","date_of_birth":"1974-01-16","phones":[{"number":"07700 900111"}]}"#).await;
            let dup = post(r#"{"nhs_number":"943 476 5919","given_names":"Katherine","family_name":"Mossley","date_of_birth":"1974-01-16","postcode":"BS1 4DJ"}"#).await;
            let need = api(&router, Method::POST, &format!("/api/v1/patients/{dup}/needs"), Some(&desk), Some(("application/json", r#"{"code":"796161000000101"}"#))).await;
            assert_eq!(need.status, StatusCode::CREATED);

            let url = format!("/api/v1/patients/{keep}/merge");
            let by_desk = api(&router, Method::POST, &url, Some(&desk), Some(("application/json", &format!(r#"{{"merge_from":"{dup}"}}"#)))).await;
            assert_problem(&by_desk, StatusCode::FORBIDDEN, "forbidden");
            let itself = api(&router, Method::POST, &url, Some(&manager), Some(("application/json", &format!(r#"{{"merge_from":"{keep}"}}"#)))).await;
            assert_problem(&itself, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let bad_field = api(&router, Method::POST, &url, Some(&manager), Some(("application/json", &format!(r#"{{"merge_from":"{dup}","take_from_merged":["shoe_size"]}}"#)))).await;
            assert_problem(&bad_field, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");

            let merged = api(&router, Method::POST, &url, Some(&manager),
                Some(("application/json", &format!(r#"{{"merge_from":"{dup}","take_from_merged":["nhs_number","address"],"reason":"Same person registered twice"}}"#)))).await;
            assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
            let m = merged.json();
            assert_eq!((m["given_names"].as_str(), m["nhs_number"].as_str(), m["address"]["postcode"].as_str()), (Some("Kate"), Some("943 476 5919"), Some("BS1 4DJ")));
            assert_eq!(m["phones"][0]["number"], "+447700900111", "kept the survivor's phone");
            assert_eq!(m["communication_needs"][0]["code"], "796161000000101", "needs moved to the survivor");

            let via_alias = api(&router, Method::GET, &format!("/api/v1/patients/{dup}"), Some(&desk), None).await.json();
            assert_eq!(via_alias["id"], keep.as_str());
            assert_eq!(via_alias["merged_id"], dup.as_str());
            let search = api(&router, Method::GET, "/api/v1/patients?q=mossley", Some(&desk), None).await.json();
            assert_eq!(search["total"], 1, "found by the merged record's name, now a previous name");
            assert_eq!(search["results"][0]["id"], keep.as_str());
            let again = api(&router, Method::POST, &url, Some(&manager), Some(("application/json", &format!(r#"{{"merge_from":"{dup}"}}"#)))).await;
            assert_problem(&again, StatusCode::CONFLICT, "conflict");
            let into_merged = api(&router, Method::POST, &format!("/api/v1/patients/{dup}/merge"), Some(&manager), Some(("application/json", &format!(r#"{{"merge_from":"{keep}"}}"#)))).await;
            assert_problem(&into_merged, StatusCode::CONFLICT, "conflict");
            let merges = audit_actions(&app).await.into_iter().filter(|(a, o, _)| a == "merge_patients" && o == "allowed").count();
            assert_eq!(merges, 1);

            // The same through the pages: find the duplicate by NHS number, review, choose, merge.
            let third = post(r#"{"nhs_number":"991 200 3888","given_names":"Kathy","family_name":"Moss","date_of_birth":"1974-01-16","email":"kathy@example.com"}"#).await;
            let mut browser = Client::new(&router);
            let csrf = browser.signed_in("manager").await;
            let form = browser.get(&format!("/staff/patients/{keep}/merge")).await;
            assert_eq!(form.status, StatusCode::OK);
            let wrong = browser.post_form(&format!("/staff/patients/{keep}/merge/review"), &[("csrf_token", &csrf), ("other", "not a number")]).await;
            assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
            let review = browser.post_form(&format!("/staff/patients/{keep}/merge/review"), &[("csrf_token", &csrf), ("other", "991 200 3888")]).await;
            assert_eq!(review.status, StatusCode::OK, "{}", review.body);
            assert!(review.body.contains("Kathy Moss") && review.body.contains("kathy@example.com"));
            let done = browser.post_form(&format!("/staff/patients/{keep}/merge"), &[("csrf_token", &csrf), ("other", &third), ("email", "take"), ("reason", "Duplicate")]).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER);
            let page = browser.get(done.location()).await;
            assert!(page.body.contains("The records have been merged") && page.body.contains("kathy@example.com"), "{}", page.body);
            let mut desk_browser = Client::new(&router);
            desk_browser.signed_in("reception").await;
            assert_eq!(desk_browser.get(&format!("/staff/patients/{keep}/merge")).await.status, StatusCode::FORBIDDEN);
        }
    }
}

mod scheduling_api {
    use super::*;
    use jiff::civil::Date;

    /// A practice set up through the API: one site (Europe/London), one GP offering 10-minute
    /// appointments every day from 09:00 to 10:00 local (bank holidays too), a receptionist's and a
    /// practice manager's tokens.
    struct Practice {
        app: App,
        router: Router,
        desk: String,
        manager: String,
        site: String,
        gp: String,
        service: String,
    }

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
        let post = |uri: &str, body: String| {
            let (router, manager, uri) = (router.clone(), manager.clone(), uri.to_owned());
            async move {
                let res = api(&router, Method::POST, &uri, Some(&manager), Some(("application/json", &body))).await;
                assert_eq!(res.status, StatusCode::CREATED, "{uri}: {}", res.body);
                res.json()["id"].as_str().unwrap().to_owned()
            }
        };
        let gp = post("/api/v1/practitioners", r#"{"display_name":"Dr Amina Shah","profession":"GP"}"#.into()).await;
        let service = post(
            "/api/v1/services",
            format!(
                r#"{{"name":"GP appointment","duration_minutes":10,"mode":"face_to_face","max_days_ahead":366,"preparation":"Bring your medicines","practitioners":["{gp}"]}}"#
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
        Practice { app, router, desk, manager, site: site.id.to_string(), gp, service }
    }

    impl Practice {
        async fn patient(&self, given: &str, extra: &str) -> String {
            let body =
                format!(r#"{{"given_names":"{given}","family_name":"Testing","date_of_birth":"1980-01-01"{extra}}}"#);
            let res = api(
                &self.router,
                Method::POST,
                "/api/v1/patients?confirm_possible_duplicate=true",
                Some(&self.desk),
                Some(("application/json", &body)),
            )
            .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
            res.json()["id"].as_str().unwrap().to_owned()
        }

        fn booking(&self, patient: &str, start: &str) -> String {
            format!(
                r#"{{"patient_id":"{patient}","service_id":"{}","practitioner_id":"{}","start":"{start}"}}"#,
                self.service, self.gp
            )
        }

        async fn post(&self, uri: &str, body: &str) -> Resp {
            api(&self.router, Method::POST, uri, Some(&self.desk), Some(("application/json", body))).await
        }

        async fn get(&self, uri: &str) -> Resp {
            api(&self.router, Method::GET, uri, Some(&self.desk), None).await
        }

        async fn book(&self, patient: &str, start: &str) -> Value {
            let res = self.post("/api/v1/appointments", &self.booking(patient, start)).await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
            res.json()
        }

        /// Every appointment stored, whatever its status.
        async fn stored(&self) -> Vec<store::scheduling::AppointmentRow> {
            let (from, to) = ("2000-01-01T00:00:00Z".parse().unwrap(), "2100-01-01T00:00:00Z".parse().unwrap());
            store::scheduling::appointments_between(self.app.db(), store::Ts(from), store::Ts(to), None, None)
                .await
                .unwrap()
        }
    }

    fn tomorrow() -> Date {
        jiff::Zoned::now().in_tz("Europe/London").unwrap().date().tomorrow().unwrap()
    }

    /// A local wall-clock time at the site, without an offset.
    fn at(date: Date, h: i8, m: i8) -> String {
        date.at(h, m, 0, 0).to_string()
    }

    /// The same time as an RFC 3339 instant with its offset.
    fn with_offset(date: Date, h: i8, m: i8) -> String {
        date.at(h, m, 0, 0).in_tz("Europe/London").unwrap().timestamp().to_string()
    }

    both_backends! {
        async fn the_catalogue_and_rota_are_kept_through_the_api(db: Db) {
            let p = practice(db).await;
            let services = p.get("/api/v1/services").await;
            assert_eq!(services.status, StatusCode::OK, "{}", services.body);
            let s = services.json();
            assert_eq!((s[0]["name"].as_str(), s[0]["duration_minutes"].as_i64()), (Some("GP appointment"), Some(10)));
            assert_eq!(s[0]["practitioners"][0], p.gp.as_str());
            let people = p.get("/api/v1/practitioners").await.json();
            assert_eq!((people[0]["display_name"].as_str(), people[0]["languages"][0].as_str()), (Some("Dr Amina Shah"), Some("en")));
            let sites = p.get("/api/v1/sites").await.json();
            assert_eq!((sites[0]["id"].as_str(), sites[0]["time_zone"].as_str()), (Some(p.site.as_str()), Some("Europe/London")));

            // Only practice managers change the rota; bad input names its field and adds nothing.
            let by_desk = p.post("/api/v1/services", r#"{"name":"Nurse","duration_minutes":15,"mode":"face_to_face"}"#).await;
            assert_problem(&by_desk, StatusCode::FORBIDDEN, "forbidden");
            let manager = |body: &'static str, uri: &'static str| {
                let (router, token) = (p.router.clone(), p.manager.clone());
                async move { api(&router, Method::POST, uri, Some(&token), Some(("application/json", body))).await }
            };
            let unknown = manager(r#"{"name":"Nurse","duration_minutes":15,"mode":"face_to_face","colour":"red"}"#, "/api/v1/services").await;
            assert_eq!(assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "colour");
            let bad_mode = manager(r#"{"name":"Nurse","duration_minutes":0,"mode":"carrier_pigeon"}"#, "/api/v1/services").await;
            let fields: Vec<String> = assert_problem(&bad_mode, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"]
                .as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
            assert_eq!(fields, ["duration_minutes", "mode"]);
            let overlap = api(&p.router, Method::POST, "/api/v1/rota-sessions", Some(&p.manager), Some(("application/json", &format!(
                r#"{{"practitioner_id":"{}","site_id":"{}","weekday":"monday","starts":"09:30","ends":"11:00","valid_from":"2026-06-01","services":["{}"]}}"#,
                p.gp, p.site, p.service)))).await;
            assert_problem(&overlap, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let bad_time = api(&p.router, Method::POST, "/api/v1/rota-sessions", Some(&p.manager), Some(("application/json", &format!(
                r#"{{"practitioner_id":"{}","site_id":"{}","weekday":"someday","starts":"25:00","ends":"11:00","valid_from":"2026-02-30","services":["{}"]}}"#,
                p.gp, p.site, p.service)))).await;
            let fields: Vec<String> = assert_problem(&bad_time, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"]
                .as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
            assert_eq!(fields, ["weekday", "starts", "valid_from"]);
            assert_eq!(p.get("/api/v1/services").await.json().as_array().unwrap().len(), 1, "nothing added");
            let sessions = store::scheduling::sessions_of(p.app.db(), &[p.gp.parse().unwrap()], "2000-01-01", "2100-01-01").await.unwrap();
            assert_eq!(sessions.len(), 7, "no session added");
            let added = audit_actions(&p.app).await.into_iter().filter(|(a, o, _)| a == "add_rota_session" && o == "allowed").count();
            assert_eq!(added, 7);
        }

        async fn a_cancellation_is_offered_to_the_waiting_list_and_answered_by_link(db: Db) {
            let p = practice(db).await;
            let day = tomorrow();
            let ann = p.patient("Ann", "").await;
            let bob = p.patient("Bob", "").await;
            let booked = p.book(&ann, &with_offset(day, 9, 20)).await;
            let wait = p.post("/api/v1/waiting-list", &format!(r#"{{"patient_id":"{bob}","service_id":"{}","priority":"urgent","preferred_times":["08:00-12:00"],"source":"request"}}"#, p.service)).await;
            assert_eq!(wait.status, StatusCode::CREATED, "{}", wait.body);
            let bad = p.post("/api/v1/waiting-list", &format!(r#"{{"patient_id":"{bob}","service_id":"{}","priority":"asap","preferred_times":["noon"],"source":"request"}}"#, p.service)).await;
            let fields: Vec<String> = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"]
                .as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
            assert_eq!(fields, ["priority", "preferred_times[0]"]);
            assert_eq!(p.get("/api/v1/waiting-list").await.json().as_array().unwrap().len(), 1, "the bad entry was not added");

            let cancelled = p.post(&format!("/api/v1/appointments/{}/cancel", booked["id"].as_str().unwrap()), r#"{"by":"patient"}"#).await;
            assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
            let list = p.get("/api/v1/waiting-list").await.json();
            assert_eq!(list[0]["status"], "offered");
            let hold: uuid::Uuid = list[0]["appointment_id"].as_str().unwrap().parse().unwrap();
            let jobs = store::scheduling::outbox_for_appointment(p.app.db(), hold).await.unwrap();
            let token = serde_json::from_str::<Value>(&jobs[0].payload).unwrap()["token"].as_str().unwrap().to_owned();

            // The link needs no sign-in; a wrong token or a bad body changes nothing.
            let answer = |body: String| {
                let router = p.router.clone();
                async move { api(&router, Method::POST, "/api/v1/offers/answer", None, Some(("application/json", &body))).await }
            };
            assert_problem(&answer(r#"{"token":"guess","accept":true}"#.into()).await, StatusCode::NOT_FOUND, "not-found");
            assert_problem(&answer(r#"{"token":"guess"}"#.into()).await, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let yes = answer(format!(r#"{{"token":"{token}","accept":true}}"#)).await;
            assert_eq!((yes.status, yes.json()["outcome"].as_str()), (StatusCode::OK, Some("accepted")), "{}", yes.body);
            let again = answer(format!(r#"{{"token":"{token}","accept":false}}"#)).await;
            assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let read = p.get(&format!("/api/v1/appointments/{hold}")).await.json();
            assert_eq!((read["status"].as_str(), read["patient_id"].as_str(), read["channel"].as_str()), (Some("booked"), Some(bob.as_str()), Some("waiting_list_offer")));
            assert!(audit_actions(&p.app).await.iter().any(|(a, _, _)| a == "accept_offer"));
        }

        async fn book_then_list_the_day_and_see_the_patient_through(db: Db) {
            let p = practice(db).await;
            let day = tomorrow();
            let slots = p.get(&format!("/api/v1/slots?service={}&from={day}&to={day}", p.service)).await;
            assert_eq!(slots.status, StatusCode::OK, "{}", slots.body);
            let slots = slots.json();
            let slots = slots.as_array().unwrap();
            assert_eq!(slots.len(), 6, "six 10-minute slots from 09:00 to 10:00");
            assert_eq!(slots[0]["start"], with_offset(day, 9, 0));
            assert!(slots[0]["local_start"].as_str().unwrap().starts_with(&format!("{day}T09:00:00+0")), "{}", slots[0]);
            let limited = p.get(&format!("/api/v1/slots?service={}&from={day}&to={day}&practitioner={}&site={}&limit=2", p.service, p.gp, p.site)).await.json();
            assert_eq!(limited.as_array().unwrap().len(), 2);

            let ann = p.patient("Ann", "").await;
            // The start as the slot list gave it (local time with its offset).
            let res = p.post("/api/v1/appointments", &p.booking(&ann, slots[2]["local_start"].as_str().unwrap())).await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
            let a = res.json();
            let id = a["id"].as_str().unwrap().to_owned();
            assert_eq!(res.location(), format!("/api/v1/appointments/{id}"));
            assert_eq!((a["status"].as_str(), a["start"].as_str(), a["channel"].as_str()), (Some("booked"), Some(with_offset(day, 9, 20).as_str()), Some("desk")));
            assert_eq!((a["site_id"].as_str(), a["practitioner_id"].as_str(), a["patient_id"].as_str()), (Some(p.site.as_str()), Some(p.gp.as_str()), Some(ann.as_str())));
            assert_eq!((a["end"].as_str(), a["version"].as_i64(), a["sequence"].as_i64()), (Some(with_offset(day, 9, 30).as_str()), Some(1), Some(0)));
            assert_eq!(a["local_start"], slots[2]["local_start"]);
            assert_eq!((a["overbooked"].as_bool(), a["longer"].as_bool(), a["mode"].as_str()), (Some(false), Some(false), Some("face_to_face")));

            // A local time without an offset is read at the site.
            let bob = p.patient("Bob", "").await;
            let b = p.book(&bob, &at(day, 9, 40)).await;
            assert_eq!(b["start"], with_offset(day, 9, 40));

            let list = p.get(&format!("/api/v1/appointments?date={day}")).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            let ids: Vec<String> = list.json().as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_owned()).collect();
            assert_eq!(ids, [id.clone(), b["id"].as_str().unwrap().to_owned()], "soonest first");
            let mine = p.get(&format!("/api/v1/appointments?date={day}&practitioner={}&site={}", p.gp, p.site)).await.json();
            assert_eq!(mine.as_array().unwrap().len(), 2);
            let other_day = p.get(&format!("/api/v1/appointments?date={}", day.tomorrow().unwrap())).await.json();
            assert_eq!(other_day.as_array().unwrap().len(), 0);
            let free = p.get(&format!("/api/v1/slots?service={}&from={day}&to={day}", p.service)).await.json();
            assert_eq!(free.as_array().unwrap().len(), 4, "the booked slots are no longer offered");

            let url = format!("/api/v1/appointments/{id}");
            let checked_in = api(&p.router, Method::POST, &format!("{url}/check-in"), Some(&p.desk), None).await;
            assert_eq!(checked_in.status, StatusCode::OK, "{}", checked_in.body);
            let c = checked_in.json();
            assert_eq!((c["status"].as_str(), c["version"].as_i64()), (Some("arrived"), Some(2)));
            assert!(c["arrived_at"].is_string());
            let called = p.post(&format!("{url}/call"), r#"{"version":2}"#).await;
            assert_eq!(called.status, StatusCode::OK, "{}", called.body);
            assert!(called.json()["called_at"].is_string());
            let finished = p.post(&format!("{url}/finish"), "{}").await;
            assert_eq!(finished.status, StatusCode::OK, "{}", finished.body);
            assert_eq!(finished.json()["status"], "fulfilled");
            let read = p.get(&url).await.json();
            assert_eq!((read["status"].as_str(), read["version"].as_i64()), (Some("fulfilled"), Some(4)));
            assert!(read["finished_at"].is_string() && read["called_at"].is_string());
            let events = p.get(&format!("{url}/events")).await;
            assert_eq!(events.status, StatusCode::OK, "{}", events.body);
            let actions: Vec<String> = events.json().as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
            assert_eq!(actions.len(), 4, "{actions:?}");
            assert_eq!(actions[0], "booked");
            assert!(events.json().as_array().unwrap().iter().all(|e| e["actor"] == "reception"));

            let audit = audit_actions(&p.app).await;
            for action in ["book_appointment", "view_day_list", "view_appointment", "view_appointment_history"] {
                assert!(audit.iter().any(|(a, o, _)| a == action && o == "allowed"), "{action} audited: {audit:?}");
            }
            let moves = audit.iter().filter(|(a, _, _)| a.starts_with("appointment_")).count();
            assert_eq!(moves, 3, "check-in, call and finish audited: {audit:?}");
        }

        async fn a_taken_slot_is_409_with_alternatives_and_is_sold_once_under_concurrency(db: Db) {
            let p = practice(db).await;
            let day = tomorrow();
            let ann = p.patient("Ann", "").await;
            p.book(&ann, &at(day, 9, 20)).await;
            let bob = p.patient("Bob", "").await;
            let taken = p.post("/api/v1/appointments", &p.booking(&bob, &with_offset(day, 9, 20))).await;
            let problem = assert_problem(&taken, StatusCode::CONFLICT, "slot-unavailable");
            let alternatives = problem["alternatives"].as_array().unwrap();
            assert!(!alternatives.is_empty(), "{problem}");
            assert!(alternatives.iter().all(|a| a["start"] != with_offset(day, 9, 20).as_str()), "{problem}");
            assert!(alternatives.iter().any(|a| a["start"] == with_offset(day, 9, 10).as_str() || a["start"] == with_offset(day, 9, 30).as_str()), "{problem}");
            assert!(alternatives[0]["local_start"].is_string() && alternatives[0]["practitioner_id"] == p.gp.as_str());

            // A clinician may double-book deliberately, with a reason; it is marked and audited.
            let clinician = token_for(&p.app, "clinician").await;
            let body = format!(r#"{{"patient_id":"{bob}","service_id":"{}","practitioner_id":"{}","start":"{}","overbook_reason":"Urgent: chest pain"}}"#, p.service, p.gp, at(day, 9, 20));
            let over = api(&p.router, Method::POST, "/api/v1/appointments", Some(&clinician), Some(("application/json", &body))).await;
            assert_eq!(over.status, StatusCode::CREATED, "{}", over.body);
            assert_eq!((over.json()["overbooked"].as_bool(), over.json()["overbook_reason"].as_str()), (Some(true), Some("Urgent: chest pain")));
            assert!(audit_actions(&p.app).await.iter().any(|(a, o, r)| a == "overbook_appointment" && o == "allowed" && r == "Urgent: chest pain"));

            // A hold keeps the slot for a few minutes while the patient confirms.
            let cy = p.patient("Cy", "").await;
            let body = format!(r#"{{"patient_id":"{cy}","service_id":"{}","practitioner_id":"{}","start":"{}","hold":true,"channel":"online"}}"#, p.service, p.gp, at(day, 9, 50));
            let held = p.post("/api/v1/appointments", &body).await;
            assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
            assert_eq!((held.json()["status"].as_str(), held.json()["channel"].as_str()), (Some("pending"), Some("online")));
            assert!(held.json()["hold_expires_at"].is_string());
            let during_hold = p.post("/api/v1/appointments", &p.booking(&ann, &at(day, 9, 50))).await;
            assert_problem(&during_hold, StatusCode::CONFLICT, "slot-unavailable");

            // Eight people at once for one slot: exactly one 201, the rest 409.
            let mut patients = Vec::new();
            for i in 0..8 {
                patients.push(p.patient(&format!("Rush{i}"), "").await);
            }
            let start = with_offset(day, 9, 40);
            let tasks: Vec<_> = patients
                .iter()
                .map(|pat| {
                    let (router, token, body) = (p.router.clone(), p.desk.clone(), p.booking(pat, &start));
                    tokio::spawn(async move {
                        api(&router, Method::POST, "/api/v1/appointments", Some(&token), Some(("application/json", &body))).await
                    })
                })
                .collect();
            let mut statuses = Vec::new();
            for t in tasks {
                let res = t.await.unwrap();
                if res.status == StatusCode::CONFLICT {
                    assert_problem(&res, StatusCode::CONFLICT, "slot-unavailable");
                }
                statuses.push(res.status);
            }
            assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
            assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7, "{statuses:?}");
            let stored = p.stored().await;
            assert_eq!(stored.iter().filter(|a| a.starts_at.0.to_string() == start && a.active).count(), 1);
            assert_eq!(stored.len(), 4, "Ann's, the overbooking, the hold and the one winner");
        }

        async fn bad_bookings_name_the_field_and_change_nothing(db: Db) {
            let p = practice(db).await;
            let day = tomorrow();
            let ann = p.patient("Ann", "").await;
            let dead = p.patient("Ed", r#","date_of_death":"2026-01-01""#).await;
            let nurse = api(&p.router, Method::POST, "/api/v1/practitioners", Some(&p.manager),
                Some(("application/json", r#"{"display_name":"Nurse Jo","profession":"Practice nurse"}"#))).await.json()["id"].as_str().unwrap().to_owned();
            let today = jiff::Zoned::now().in_tz("Europe/London").unwrap().date();
            let body = |patient: &str, start: &str| p.booking(patient, start);
            let cases: Vec<(String, &str, &str)> = vec![
                (body(&ann, &at(day, 9, 5)), "start", "not aligned to a slot"),
                (body(&ann, "2027-03-28T01:30:00"), "start", "in the DST gap"),
                (body(&ann, &at(day, 11, 0)), "start", "outside the session"),
                (body(&ann, &at(today.yesterday().unwrap(), 9, 0)), "start", "in the past"),
                (body(&ann, &at(today.checked_add(jiff::Span::new().days(400)).unwrap(), 9, 0)), "start", "beyond the booking window"),
                (body(&ann, "tomorrow at nine"), "start", "malformed"),
                (body(&ann, "2027-02-30T09:00:00Z"), "start", "not a real date"),
                (body(&ann, &day.to_string()), "start", "a date without a time"),
                (body(&dead, &at(day, 9, 0)), "patient_id", "deceased"),
                (format!(r#"{{"patient_id":"{ann}","service_id":"{}","practitioner_id":"{nurse}","start":"{}"}}"#, p.service, at(day, 9, 0)), "practitioner_id", "service not delivered by them"),
                (format!(r#"{{"patient_id":"{ann}","service_id":"{}","practitioner_id":"{}","start":"{}","channel":"carrier_pigeon"}}"#, p.service, p.gp, at(day, 9, 0)), "channel", "unknown channel"),
                (format!(r#"{{"patient_id":"{ann}","service_id":"{}","practitioner_id":"{}","start":"{}","colour":"red"}}"#, p.service, p.gp, at(day, 9, 0)), "colour", "unknown field"),
                (format!(r#"{{"patient_id":"not-an-id","service_id":"{}","practitioner_id":"{}","start":"{}"}}"#, p.service, p.gp, at(day, 9, 0)), "patient_id", "malformed id"),
                (format!(r#"{{"service_id":"{}","practitioner_id":"{}","start":"{}"}}"#, p.service, p.gp, at(day, 9, 0)), "body", "missing patient"),
                (format!(r#"{{"patient_id":"{ann}","service_id":"{}","practitioner_id":"{}","start":"{}","overbook_reason":"urgent"}}"#, p.service, p.gp, at(day, 9, 0)), "", "overbooking by reception"),
            ];
            for (body, field, why) in &cases {
                let res = p.post("/api/v1/appointments", body).await;
                if field.is_empty() {
                    assert_problem(&res, StatusCode::FORBIDDEN, "forbidden");
                    continue;
                }
                let problem = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
                let got = problem["errors"][0]["field"].as_str().unwrap();
                assert!(got == *field || (*field == "body" && got.contains("patient")) , "{why}: {problem}");
                if *why == "in the DST gap" {
                    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("clocks go forward"), "{problem}");
                }
            }
            let unknown_service = format!(r#"{{"patient_id":"{ann}","service_id":"{}","practitioner_id":"{}","start":"{}"}}"#, uuid::Uuid::now_v7(), p.gp, at(day, 9, 0));
            assert_problem(&p.post("/api/v1/appointments", &unknown_service).await, StatusCode::NOT_FOUND, "not-found");
            let unknown_patient = p.booking(&uuid::Uuid::now_v7().to_string(), &at(day, 9, 0));
            assert_problem(&p.post("/api/v1/appointments", &unknown_patient).await, StatusCode::NOT_FOUND, "not-found");
            let truncated = p.post("/api/v1/appointments", r#"{"patient_id":"#).await;
            assert_problem(&truncated, StatusCode::BAD_REQUEST, "malformed-json");
            let wrong_type = api(&p.router, Method::POST, "/api/v1/appointments", Some(&p.desk), Some(("text/plain", &p.booking(&ann, &at(day, 9, 0))))).await;
            assert_problem(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
            let form = api(&p.router, Method::POST, "/api/v1/appointments", Some(&p.desk), Some(("application/x-www-form-urlencoded", "patient_id=x"))).await;
            assert_problem(&form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
            let anonymous = api(&p.router, Method::POST, "/api/v1/appointments", None, Some(("application/json", &p.booking(&ann, &at(day, 9, 0))))).await;
            assert_problem(&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated");
            assert!(p.stored().await.is_empty(), "nothing was booked");
            assert!(!audit_actions(&p.app).await.iter().any(|(a, o, _)| a == "book_appointment" && o == "allowed"));

            // Malformed or missing query values are 422 naming the parameter.
            let slots = |q: String| { let p = &p; async move { p.get(&format!("/api/v1/slots?{q}")).await } };
            for (q, field) in [
                (format!("service={}&from=2027-02-30&to=2027-03-01", p.service), "from"),
                (format!("service={}&from={day}&to=29/03/2027", p.service), "to"),
                (format!("service={}&from={day}", p.service), "to"),
                (format!("service=abc&from={day}&to={day}"), "service"),
                (format!("service={}&from={day}&to={day}&limit=0", p.service), "limit"),
                (format!("service={}&from={day}&to={day}&practitioner=x", p.service), "practitioner"),
                (format!("service={}&from={day}&to={day}&colour=red", p.service), "colour"),
                (format!("service={}&from={day}&to={}", p.service, day.yesterday().unwrap()), "to"),
            ] {
                let problem = assert_problem(&slots(q.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
                assert_eq!(problem["errors"][0]["field"], field, "{q}: {problem}");
            }
            assert_problem(&slots(format!("service={}&from={day}&to={day}", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND, "not-found");
            for (q, field) in [("date=29/03/2027", "date"), ("date=2027-13-01", "date"), ("", "date"), ("date=2027-03-29&site=x", "site")] {
                let res = p.get(&format!("/api/v1/appointments?{q}")).await;
                let problem = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
                assert_eq!(problem["errors"][0]["field"], field, "{q}: {problem}");
            }
            let unknown = uuid::Uuid::now_v7();
            for suffix in ["", "/events", "/ics"] {
                assert_problem(&p.get(&format!("/api/v1/appointments/{unknown}{suffix}")).await, StatusCode::NOT_FOUND, "not-found");
            }
            for (action, body) in [("check-in", "{}"), ("cancel", r#"{"by":"practice"}"#), ("undo-dna", r#"{"reason":"came late"}"#), ("reschedule", &format!(r#"{{"start":"{}"}}"#, at(day, 9, 0)))] {
                let res = p.post(&format!("/api/v1/appointments/{unknown}/{action}"), body).await;
                assert_problem(&res, StatusCode::NOT_FOUND, "not-found");
            }
            assert!(p.stored().await.is_empty(), "still nothing");
        }

        async fn illegal_moves_and_stale_versions_change_nothing(db: Db) {
            let p = practice(db).await;
            let day = tomorrow();
            let ann = p.patient("Ann", "").await;
            let a = p.book(&ann, &at(day, 9, 0)).await;
            let url = format!("/api/v1/appointments/{}", a["id"].as_str().unwrap());
            let status_error = |res: Resp| {
                let problem = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
                assert_eq!(problem["errors"][0]["field"], "status", "{problem}");
            };
            status_error(p.post(&format!("{url}/finish"), "{}").await);
            status_error(p.post(&format!("{url}/call"), "{}").await);
            status_error(p.post(&format!("{url}/undo-dna"), r#"{"reason":"came after all"}"#).await);
            let stale = p.post(&format!("{url}/check-in"), r#"{"version":7}"#).await;
            assert_problem(&stale, StatusCode::CONFLICT, "conflict");
            let bad_by = p.post(&format!("{url}/cancel"), r#"{"by":"the cat"}"#).await;
            assert_eq!(assert_problem(&bad_by, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "by");
            let no_reason = p.post(&format!("{url}/entered-in-error"), r#"{"reason":"  "}"#).await;
            assert_eq!(assert_problem(&no_reason, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "reason");
            let extra = p.post(&format!("{url}/check-in"), r#"{"version":1,"when":"now"}"#).await;
            assert_eq!(assert_problem(&extra, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "when");
            let not_json = api(&p.router, Method::POST, &format!("{url}/check-in"), Some(&p.desk), Some(("text/plain", "version=1"))).await;
            assert_problem(&not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
            let read = p.get(&url).await.json();
            assert_eq!((read["status"].as_str(), read["version"].as_i64()), (Some("booked"), Some(1)), "nothing changed");

            // DNA, undo with a reason; then through to finished, which cannot be cancelled.
            let dna = p.post(&format!("{url}/dna"), r#"{"version":1}"#).await;
            assert_eq!(dna.json()["status"], "noshow", "{}", dna.body);
            let undone = p.post(&format!("{url}/undo-dna"), r#"{"reason":"Arrived late, seen"}"#).await;
            assert_eq!(undone.json()["status"], "booked", "{}", undone.body);
            for action in ["check-in", "call", "finish"] {
                assert_eq!(p.post(&format!("{url}/{action}"), "{}").await.status, StatusCode::OK, "{action}");
            }
            status_error(p.post(&format!("{url}/cancel"), r#"{"by":"patient","reason":"Feeling better"}"#).await);
            status_error(p.post(&format!("{url}/dna"), "{}").await);
            status_error(p.post(&format!("{url}/reschedule"), &format!(r#"{{"start":"{}"}}"#, at(day, 9, 30))).await);
            let read = p.get(&url).await.json();
            assert_eq!((read["status"].as_str(), read["version"].as_i64(), read["cancelled_by"].as_str()), (Some("fulfilled"), Some(6), None));
            let entered = p.post(&format!("{url}/entered-in-error"), r#"{"reason":"Wrong patient"}"#).await;
            assert_eq!(entered.json()["status"], "entered-in-error", "{}", entered.body);
            status_error(p.post(&format!("{url}/entered-in-error"), r#"{"reason":"Again"}"#).await);
            let audit = audit_actions(&p.app).await;
            assert!(audit.iter().any(|(a, _, r)| a == "appointment_undo_dna" && r == "Arrived late, seen"), "{audit:?}");
            assert_eq!(p.stored().await.len(), 1);
        }

        async fn ics_follows_the_appointment_through_reschedule_and_cancel(db: Db) {
            let p = practice(db).await;
            let day = tomorrow();
            let ann = p.patient("Ann", "").await;
            let a = p.book(&ann, &at(day, 9, 10)).await;
            let id = a["id"].as_str().unwrap().to_owned();
            let ics = p.get(&format!("/api/v1/appointments/{id}/ics")).await;
            assert_eq!(ics.status, StatusCode::OK, "{}", ics.body);
            assert!(ics.content_type().starts_with("text/calendar"), "{}", ics.content_type());
            assert!(ics.content_type().contains("method=REQUEST"));
            let utc = |s: &str| s.parse::<jiff::Timestamp>().unwrap().strftime("%Y%m%dT%H%M%SZ").to_string();
            for line in [
                "METHOD:REQUEST".to_owned(),
                format!("UID:{id}@carefront"),
                "SEQUENCE:0".to_owned(),
                format!("DTSTART:{}", utc(a["start"].as_str().unwrap())),
                format!("DTEND:{}", utc(a["end"].as_str().unwrap())),
                "SUMMARY:GP appointment with Dr Amina Shah".to_owned(),
                "STATUS:CONFIRMED".to_owned(),
            ] {
                assert!(ics.body.contains(&format!("{line}\r\n")), "{line} in {}", ics.body);
            }
            assert!(ics.body.contains("Riverside Surgery"), "{}", ics.body);

            // Reschedule: a new appointment; the old one is cancelled and its .ics says so.
            let stale = p.post(&format!("/api/v1/appointments/{id}/reschedule"), &format!(r#"{{"start":"{}","version":9}}"#, at(day, 9, 30))).await;
            assert_problem(&stale, StatusCode::CONFLICT, "conflict");
            let gap = p.post(&format!("/api/v1/appointments/{id}/reschedule"), r#"{"start":"2027-03-28T01:30"}"#).await;
            assert_eq!(assert_problem(&gap, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed")["errors"][0]["field"], "start");
            let moved = p.post(&format!("/api/v1/appointments/{id}/reschedule"), &format!(r#"{{"start":"{}","version":1}}"#, at(day, 9, 30))).await;
            assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.body);
            let m = moved.json();
            let new_id = m["id"].as_str().unwrap().to_owned();
            assert_eq!(moved.location(), format!("/api/v1/appointments/{new_id}"));
            assert_eq!((m["rescheduled_from"].as_str(), m["start"].as_str(), m["sequence"].as_i64()), (Some(id.as_str()), Some(with_offset(day, 9, 30).as_str()), Some(1)));
            let old = p.get(&format!("/api/v1/appointments/{id}")).await.json();
            assert_eq!((old["status"].as_str(), old["cancelled_by"].as_str(), old["sequence"].as_i64()), (Some("cancelled"), Some("practice"), Some(1)));
            let old_ics = p.get(&format!("/api/v1/appointments/{id}/ics")).await;
            assert!(old_ics.body.contains("METHOD:CANCEL\r\n") && old_ics.body.contains("SEQUENCE:1\r\n") && old_ics.body.contains("STATUS:CANCELLED\r\n"), "{}", old_ics.body);
            assert!(old_ics.content_type().contains("method=CANCEL"));
            let free = p.get(&format!("/api/v1/slots?service={}&from={day}&to={day}", p.service)).await.json();
            assert!(free.as_array().unwrap().iter().any(|s| s["start"] == with_offset(day, 9, 10).as_str()), "the old time is free again");

            let cancelled = p.post(&format!("/api/v1/appointments/{new_id}/cancel"), r#"{"by":"patient","reason":"Feeling better","version":1}"#).await;
            assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
            let c = cancelled.json();
            assert_eq!((c["status"].as_str(), c["cancelled_by"].as_str(), c["cancel_reason"].as_str()), (Some("cancelled"), Some("patient"), Some("Feeling better")));
            let new_ics = p.get(&format!("/api/v1/appointments/{new_id}/ics")).await;
            assert!(new_ics.body.contains("METHOD:CANCEL\r\n") && new_ics.body.contains("SEQUENCE:2\r\n"), "{}", new_ics.body);
            let row = store::scheduling::appointment(p.app.db(), new_id.parse().unwrap()).await.unwrap().unwrap();
            assert!(new_ics.body.contains(&format!("DTSTAMP:{}\r\n", row.updated_at.0.strftime("%Y%m%dT%H%M%SZ"))), "{}", new_ics.body);
            let audit = audit_actions(&p.app).await;
            assert!(audit.iter().any(|(a, o, _)| a == "reschedule_appointment" && o == "allowed"), "{audit:?}");
            assert!(audit.iter().any(|(a, _, r)| a == "appointment_cancel" && r == "Feeling better"), "{audit:?}");
        }
    }
}

#[path = "http/dev_mail.rs"]
mod dev_mail;
#[path = "http/display.rs"]
mod display;
#[path = "http/links.rs"]
mod links;
#[path = "http/message_pages.rs"]
mod message_pages;
#[path = "http/messaging.rs"]
mod messaging;
#[path = "http/referrals.rs"]
mod referrals;
#[path = "http/replies.rs"]
mod replies;
#[path = "http/schedule_pages.rs"]
mod schedule_pages;
#[path = "http/sms.rs"]
mod sms;
