//! The message template pages and letters to print through HTTP: previews of every message in every
//! language and format (Urdu right to left), practice wording checked before it is saved and then used
//! by `App::renderer()`, refused wording changing nothing, and who may do what.

#[allow(unused_imports)]
use super::*;
use domain::messaging::{Channel, Kind, Language, Variant, demo, render};
use uuid::Uuid;

/// The usual users, an organisation, and a practice manager.
async fn practice(db: Db) -> (App, Router) {
    let (app, router) = setup(db).await;
    add_organisation(&app).await;
    app.create_user(
        &Ctx::command_line(),
        NewUser {
            username: "manager".into(),
            display_name: "Priya Manager".into(),
            role: "practice_manager".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    (app, router)
}

const REMINDER_SMS_EN: &str = "/staff/messages/templates/reminder/sms/standard/en";
const EDIT_REMINDER_SMS_EN: &str = "/staff/messages/templates/reminder/sms/standard/en/body/edit";

fn sms_text(renderer: &domain::messaging::Renderer, language: Language) -> String {
    renderer
        .render(Kind::Reminder, Channel::Sms, language, Variant::Standard, &demo::data(Kind::Reminder))
        .unwrap()
        .text
}

/// Text as askama escapes it in a page.
fn escaped(s: &str) -> String {
    s.replace('&', "&#38;").replace('"', "&#34;").replace('\'', "&#39;").replace('<', "&#60;").replace('>', "&#62;")
}

both_backends! {
    async fn every_message_previews_in_every_language_and_format(db: Db) {
        let (_, router) = practice(db).await;
        let mut desk = Client::new(&router);
        desk.signed_in("reception").await;
        let list = desk.get("/staff/messages/templates").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("<h1>Message templates</h1>") && list.body.contains("href=\"/staff/messages/templates\">Messages</a>"));
        assert!(list.body.contains("href=\"/staff/messages/templates/waiting_list_offer/letter/large_print/ur\""));
        assert!(!list.body.contains("/sms/large_print/"), "no large print on SMS");
        assert_eq!(list.body.matches("<h1>").count(), 1);

        for &kind in Kind::ALL {
            for &channel in Channel::ALL {
                for &variant in Variant::ALL {
                    if !variant.allowed_on(channel) {
                        continue;
                    }
                    for &language in Language::ALL {
                        let uri = format!("/staff/messages/templates/{}/{}/{}/{}", kind.as_str(), channel.as_str(), variant.as_str(), language.as_str());
                        let page = desk.get(&uri).await;
                        assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
                        assert_eq!(page.body.matches("<h1>").count(), 1, "{uri}");
                        let attrs = format!("lang=\"{}\" dir=\"{}\"", language.as_str(), language.dir());
                        assert!(page.body.contains(&attrs), "{uri} sets {attrs}");
                        let shipped = render(kind, channel, language, variant, &demo::data(kind)).unwrap();
                        let first_line = shipped.text.lines().next().unwrap();
                        let escaped = escaped(first_line);
                        assert!(page.body.contains(&escaped), "{uri} shows the message: {first_line}");
                        match channel {
                            Channel::Sms => assert!(page.body.contains("Parts (segments)") && page.body.contains("Encoding"), "{uri}"),
                            _ => assert!(page.body.contains("class=\"app-message app-message--") && page.body.contains("class=\"app-message__title\""), "{uri}"),
                        }
                        assert_eq!(page.body.contains("Reading grade"), language == Language::En, "{uri}: plain English advice for English only");
                        assert!(!page.body.contains("<script>") && !page.body.contains("<style"), "{uri}");
                    }
                }
            }
        }
        // Urdu: right to left, with the HTML document on a page of its own.
        let ur = desk.get("/staff/messages/templates/reminder/letter/large_print/ur").await;
        assert!(ur.body.contains("class=\"app-message app-message--large_print\" lang=\"ur\" dir=\"rtl\""), "{}", ur.body);
        let doc = desk.get("/staff/messages/templates/reminder/letter/large_print/ur/html").await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(doc.content_type().starts_with("text/html"));
        assert!(doc.body.contains("<html lang=\"ur\" dir=\"rtl\">") && doc.body.contains("<link rel=\"stylesheet\" href=\"html.css\">"));
        assert!(!doc.body.contains("<style>"), "inline styles would be blocked by the content security policy");
        let css = desk.get("/staff/messages/templates/reminder/letter/large_print/ur/html.css").await;
        assert!(css.content_type().starts_with("text/css"));
        assert!(css.body.contains("font-size:20pt") && css.body.contains("size:A4") && css.body.contains("sans-serif"), "{}", css.body);
        // Nonsense in the address is a 404, not an error.
        for bad in ["/staff/messages/templates/telegram/sms/standard/en", "/staff/messages/templates/reminder/sms/large_print/en",
                    "/staff/messages/templates/reminder/sms/standard/fr", "/staff/messages/templates/reminder/sms/standard/en/html"] {
            assert_eq!(desk.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
        }
    }

    async fn a_manager_saves_wording_that_the_renderer_then_uses(db: Db) {
        let (app, router) = practice(db).await;
        let shipped = app.renderer().await.unwrap();
        let shipped_cy = sms_text(&shipped, Language::Cy);
        let mut manager = Client::new(&router);
        let csrf = manager.signed_in("manager").await;
        let form = manager.get(EDIT_REMINDER_SMS_EN).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("{ $when }") && form.body.contains("{ $cancel }"), "shows the allowed placeholders");
        assert!(form.body.contains("The practice has not changed this wording."));
        assert!(form.body.contains("name=\"version\" value=\"0\""));

        let wording = "{ $practice }: hello { $name }. See you { $when }.\n{ $where }\n{ $cancel }";
        let saved = manager.post_form(EDIT_REMINDER_SMS_EN, &[("csrf_token", &csrf), ("text", wording), ("version", "0"), ("action", "save")]).await;
        assert_eq!((saved.status, saved.location()), (StatusCode::SEE_OTHER, EDIT_REMINDER_SMS_EN), "{}", saved.body);
        let after = manager.get(EDIT_REMINDER_SMS_EN).await;
        assert!(after.body.contains("Wording saved as version 1"), "{}", after.body);
        assert!(after.body.contains("Priya Manager") && after.body.contains("In use"));

        let renderer = app.renderer().await.unwrap();
        let en = sms_text(&renderer, Language::En);
        assert!(en.starts_with("Riverside Surgery: hello Sam. See you Tuesday 3 March at 9:10am."), "{en}");
        assert_eq!(sms_text(&renderer, Language::Cy), shipped_cy, "other languages keep their wording");
        let edits = app.template_edits().await.unwrap();
        assert_eq!(edits.len(), 1);
        assert_eq!((edits[0].version, edits[0].edit.text.as_str()), (1, wording));
        let preview = manager.get(REMINDER_SMS_EN).await;
        assert!(preview.body.contains("hello Sam") && preview.body.contains("Practice wording"));
        assert!(audit_actions(&app).await.iter().any(|(a, o, _)| a == "edit_template" && o == "allowed"));

        // A save based on an older version is refused: someone else's change is not lost.
        let stale = manager.post_form(EDIT_REMINDER_SMS_EN, &[("csrf_token", &csrf), ("text", "{ $name }, see you { $when }."), ("version", "0"), ("action", "save")]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Someone else saved this wording"));
        assert_eq!(app.template_edits().await.unwrap()[0].version, 1);

        // Back to the shipped wording: recorded as version 2, the history keeps version 1.
        let restored = manager.post_form("/staff/messages/templates/reminder/sms/standard/en/body/restore", &[("csrf_token", &csrf), ("version", "1")]).await;
        assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
        assert!(app.template_edits().await.unwrap().is_empty());
        assert_eq!(sms_text(&app.renderer().await.unwrap(), Language::En), sms_text(&shipped, Language::En));
        let history = manager.get(EDIT_REMINDER_SMS_EN).await;
        assert!(history.body.contains("Shipped wording put back") && history.body.contains("hello { $name }"));

        // Urdu wording is edited right to left.
        let ur = manager.get("/staff/messages/templates/reminder/email/standard/ur/subject/edit").await;
        assert_eq!(ur.status, StatusCode::OK);
        assert!(ur.body.contains("name=\"text\" rows=\"5\" lang=\"ur\" dir=\"rtl\""), "{}", ur.body);
    }

    async fn refused_wording_is_explained_and_nothing_is_saved(db: Db) {
        let (app, router) = practice(db).await;
        let mut manager = Client::new(&router);
        let csrf = manager.signed_in("manager").await;
        let unknown = manager.post_form(EDIT_REMINDER_SMS_EN, &[("csrf_token", &csrf), ("text", "Hi { $nmae }, see you { $when }"), ("version", "0"), ("action", "save")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("class=\"app-error-summary\"") && unknown.body.contains("href=\"#text\""));
        assert!(unknown.body.contains("Unknown placeholder { $nmae }"), "{}", unknown.body);
        assert!(unknown.body.contains("id=\"text-error\"") && unknown.body.contains("aria-invalid=\"true\""));
        assert!(unknown.body.contains("Hi { $nmae }, see you { $when }</textarea>"), "what was typed is kept");
        assert!(unknown.body.contains("<title>Error: "));

        let broken = manager.post_form(EDIT_REMINDER_SMS_EN, &[("csrf_token", &csrf), ("text", "Hello\n\nCall { $name"), ("version", "0"), ("action", "save")]).await;
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(broken.body.contains("Line 3: the wording could not be read"), "{}", broken.body);

        let empty = manager.post_form(EDIT_REMINDER_SMS_EN, &[("csrf_token", &csrf), ("text", "  "), ("version", "0"), ("action", "save")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Enter the wording."));

        // Checking without saving: previews in every language and plain-English advice, not an error.
        let check = manager.post_form("/staff/messages/templates/missed_appointment/sms/standard/en/body/edit",
            &[("csrf_token", &csrf), ("text", "You were DNA { $when }. { $rebook }"), ("version", "0"), ("action", "check")]).await;
        assert_eq!(check.status, StatusCode::OK, "{}", check.body);
        assert!(check.body.contains("missed appointment") && check.body.contains("This is advice"), "{}", check.body);
        assert!(check.body.contains("lang=\"ur\" dir=\"rtl\"") && check.body.contains("Welsh (Cymraeg)"));

        assert!(app.template_edits().await.unwrap().is_empty(), "nothing was saved");
        assert!(!audit_actions(&app).await.iter().any(|(a, _, _)| a == "edit_template"));
    }

    async fn only_managers_edit_and_only_message_staff_preview(db: Db) {
        let (app, router) = practice(db).await;
        let mut desk = Client::new(&router);
        let csrf = desk.signed_in("reception").await;
        assert_eq!(desk.get(REMINDER_SMS_EN).await.status, StatusCode::OK);
        let preview = desk.get(REMINDER_SMS_EN).await;
        assert!(!preview.body.contains("/body/edit"), "no edit links for reception");
        assert_eq!(desk.get(EDIT_REMINDER_SMS_EN).await.status, StatusCode::FORBIDDEN);
        let post = desk.post_form(EDIT_REMINDER_SMS_EN, &[("csrf_token", &csrf), ("text", "{ $name }"), ("version", "0"), ("action", "save")]).await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        let restore = desk.post_form("/staff/messages/templates/reminder/sms/standard/en/body/restore", &[("csrf_token", &csrf), ("version", "0")]).await;
        assert_eq!(restore.status, StatusCode::FORBIDDEN);
        assert!(app.template_edits().await.unwrap().is_empty());

        let mut doctor = Client::new(&router);
        doctor.signed_in("clinician").await;
        let home = doctor.get("/staff").await;
        assert!(!home.body.contains("/staff/messages/templates"), "no Messages link for a clinician");
        for uri in ["/staff/messages/templates", REMINDER_SMS_EN, "/staff/messages/letters", EDIT_REMINDER_SMS_EN] {
            assert_eq!(doctor.get(uri).await.status, StatusCode::FORBIDDEN, "{uri}");
        }
        let denied = audit_actions(&app).await.into_iter().filter(|(_, o, _)| o == "denied").count();
        assert!(denied >= 5, "refusals are audited");
        let mut anonymous = Client::new(&router);
        assert_eq!(anonymous.get(REMINDER_SMS_EN).await.location(), "/staff/login");
    }

    async fn letters_are_printed_in_batches(db: Db) {
        let (app, router) = practice(db).await;
        let mut desk = Client::new(&router);
        let csrf = desk.signed_in("reception").await;
        let empty = desk.get("/staff/messages/letters").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("There are no letters waiting to be printed."));

        // Two letters from the outbox worker: Urdu in large print, English standard.
        let now = store::Ts(domain::time::now());
        let mut ids = Vec::new();
        for (language, variant, name) in [(Language::Ur, Variant::LargePrint, "Bilal <Khan>"), (Language::En, Variant::Standard, "Sam Jones")] {
            let job = Uuid::now_v7();
            let mut tx = app.db().begin().await.unwrap();
            store::scheduling::enqueue(&mut tx, &store::scheduling::OutboxRow {
                id: job, kind: "booking_confirmation".into(), dedupe_key: format!("test:{job}"), patient_id: None,
                appointment_id: None, payload: "{}".into(), due_at: now, state: "to_print".into(), attempts: 1, created_at: now,
            }).await.unwrap();
            tx.commit().await.unwrap();
            let r = render(Kind::BookingConfirmation, Channel::Letter, language, variant, &demo::data(Kind::BookingConfirmation)).unwrap();
            let id = Uuid::now_v7();
            store::messaging::outbox::upsert_message(app.db(), &store::messaging::outbox::MessageRow {
                id, outbox_id: job, patient_id: None, appointment_id: None, kind: "booking_confirmation".into(),
                recipient: "patient".into(), recipient_name: name.into(), channel: "letter".into(),
                address: "1 Mill Lane\nBristol\nBS1 4DJ".into(), language: language.as_str().into(), fell_back_to_english: false,
                variant: variant.as_str().into(), subject: r.subject.clone(), body_text: r.text.clone(), body_html: r.html.clone(),
                status: "to_print".into(), reference: format!("test:{job}"), provider: None, provider_id: None, error: None,
                print_batch: None, printed_at: None, created_at: now, sent_at: None, updated_at: now,
            }).await.unwrap();
            ids.push(id.to_string());
        }
        let page = desk.get("/staff/messages/letters").await;
        assert!(page.body.contains("2 letters are") && page.body.contains("1 is in large print"), "{}", page.body);
        assert!(page.body.contains("Bilal &#60;Khan&#62;") || page.body.contains("Bilal &lt;Khan&gt;"), "names are escaped");
        let batch = ids.join(",");
        assert!(page.body.contains(&format!("/staff/messages/letters/print?ids={batch}")));

        let print = desk.get(&format!("/staff/messages/letters/print?ids={batch}")).await;
        assert_eq!(print.status, StatusCode::OK);
        assert_eq!(print.body.matches("<article class=\"app-letter").count(), 2);
        assert!(print.body.contains("app-letter app-letter--large_print") && print.body.contains("lang=\"ur\" dir=\"rtl\""));
        assert!(print.body.contains("1 Mill Lane<br>Bristol<br>BS1 4DJ"));
        assert!(!print.body.contains("<script>") && !print.body.contains("<style"));

        let unconfirmed = desk.post_form("/staff/messages/letters/printed", &[("csrf_token", &csrf), ("ids", &batch)]).await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unconfirmed.body.contains("href=\"#confirm\""));
        // Only the first letter was in the batch printed.
        let done = desk.post_form("/staff/messages/letters/printed", &[("csrf_token", &csrf), ("ids", &ids[0]), ("confirm", "yes")]).await;
        assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/staff/messages/letters"));
        let left = desk.get("/staff/messages/letters").await;
        assert!(left.body.contains("1 letter marked printed.") && left.body.contains("1 letter is waiting"), "{}", left.body);
        let waiting = store::messaging::outbox::letters_to_print(app.db()).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].id.to_string(), ids[1]);
        assert!(audit_actions(&app).await.iter().any(|(a, _, r)| a == "mark_letters_printed" && r.starts_with("1 of 1")));
        let again = desk.post_form("/staff/messages/letters/printed", &[("csrf_token", &csrf), ("ids", &ids[0]), ("confirm", "yes")]).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert!(desk.get("/staff/messages/letters").await.body.contains("already been marked printed"));
    }
}

mod preview_api {
    use super::*;

    both_backends! {
        async fn any_template_is_previewed_over_json_and_bad_names_are_refused(db: Db) {
            let (app, router) = practice(db).await;
            let desk = token_for(&app, "reception").await;
            let uri = "/api/v1/message-templates/reminder/sms/standard/en";
            let res = api(&router, Method::GET, uri, Some(&desk), None).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let p = res.json();
            assert_eq!((p["kind"].as_str(), p["language_used"].as_str(), p["dir"].as_str()), (Some("reminder"), Some("en"), Some("ltr")));
            assert!(p["text"].as_str().unwrap().contains("Tuesday 3 March at 9:10am"), "{p}");
            assert_eq!(p["sms"]["encoding"], "gsm7");
            assert!(p["sms"]["segments"].as_u64().unwrap() <= 2, "{p}");
            assert!(p["subject"].is_null() && p["html"].is_null());

            let ur = api(&router, Method::GET, "/api/v1/message-templates/booking_confirmation/letter/large_print/ur", Some(&desk), None).await.json();
            assert_eq!((ur["language_used"].as_str(), ur["dir"].as_str(), ur["fell_back_to_english"].as_bool()), (Some("ur"), Some("rtl"), Some(false)));
            assert!(ur["html"].as_str().unwrap().contains("dir=\"rtl\""), "{ur}");
            assert!(ur["sms"].is_null() && ur["subject"].is_string());

            let bad = api(&router, Method::GET, "/api/v1/message-templates/postcard/pigeon/large_print/fr", Some(&desk), None).await;
            let p = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            assert_eq!(fields, ["kind", "channel", "language"], "{p}");
            let sms_large = api(&router, Method::GET, "/api/v1/message-templates/reminder/sms/large_print/en", Some(&desk), None).await;
            let p = assert_problem(&sms_large, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            assert_eq!(p["errors"][0]["field"], "variant", "{p}");
            let gp = token_for(&app, "clinician").await;
            assert_problem(&api(&router, Method::GET, uri, Some(&gp), None).await, StatusCode::FORBIDDEN, "forbidden");
        }
    }
}
