//! The pages patients reach from links in their messages, without signing in (`app::messaging::links`):
//! `/l/{token}` to confirm or cancel an appointment, `/o/{token}` (and `/accept`, `/decline`) to answer a
//! waiting-list offer. Opening a link only shows what it would do and asks; the form's POST acts, then
//! redirects back to the page, which says how things now stand (so a refresh never acts twice). Pages
//! are in the patient's preferred language when Carefront ships it (Urdu right to left), name the
//! practice, and show when and where, never the patient's name.

use super::{Shell, render};
use crate::AppState;
use crate::i18n::Lang;
use crate::observe::OperationId;
use app::AppError;
use app::messaging::links::{LinkAction, LinkPage, LinkPurpose, LinkState};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/l/{token}", get(open_appointment_link).post(use_appointment_link))
        .route("/o/{token}", get(open_offer))
        .route("/o/{token}/accept", get(open_offer_accept).post(accept_offer))
        .route("/o/{token}/decline", get(open_offer_decline).post(decline_offer))
}

struct Button {
    action: String,
    label: String,
    warning: bool,
    secondary: bool,
}

/// Everything on a link page, already in the patient's language.
#[derive(Default)]
struct LinkView {
    heading: String,
    lead: Vec<String>,
    success: bool,
    rows: Vec<(String, String)>,
    warning: Option<String>,
    buttons: Vec<Button>,
    after: Vec<String>,
    /// Text, address and label of a link under the page (a confirm page's way to cancel).
    link: Option<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "patient/link.html")]
struct LinkTemplate {
    shell: Shell,
    view: LinkView,
}

/// The page for one link, as it stands now. `cancel_path` is the cancel link offered from a confirm page.
fn view(page: &LinkPage, lang: &Lang, here: &str, cancel_path: Option<String>) -> LinkView {
    let t = |k: &str| lang.t(k);
    // Isolated in a right-to-left page, so the groups of digits keep their order.
    let phone = page.phone.as_deref().map(|p| lang.ltr_run(p));
    let phone = phone.as_deref();
    let call_us = phone.map(|p| lang.t_with("link-call-us", &[("phone", p)]));
    let when = domain::messaging::when_in_words(page.start, page.language);
    let place = match page.mode.as_str() {
        "telephone" => t("link-place-phone"),
        "video" => t("link-place-video"),
        "home_visit" => t("link-place-home"),
        _ => page.place.clone(),
    };
    let mut rows = vec![(t("link-when"), when), (t("link-where"), place)];
    if !page.service.trim().is_empty() {
        rows.push((t("link-what"), page.service.clone()));
    }
    let mut v = LinkView {
        heading: String::new(),
        lead: vec![],
        success: false,
        rows,
        warning: None,
        buttons: vec![],
        after: vec![],
        link: None,
    };
    let button = |action: &str, label: &str, warning: bool, secondary: bool| Button {
        action: action.to_owned(),
        label: t(label),
        warning,
        secondary,
    };
    match (page.action, page.state) {
        (LinkAction::Confirm, LinkState::Open) => {
            v.heading = t("link-confirm-title");
            v.lead = vec![t("link-confirm-lead")];
            v.buttons.push(button(here, "link-confirm-button", false, false));
            if let Some(cancel) = cancel_path {
                v.link = Some((t("link-confirm-cannot-come"), cancel, t("link-confirm-cancel-link")));
            }
        }
        (_, LinkState::AlreadyConfirmed) => {
            v.heading = t("link-confirmed-title");
            v.lead = vec![t("link-confirmed-lead")];
            v.success = true;
        }
        (LinkAction::Cancel, LinkState::Open) => {
            v.heading = t("link-cancel-title");
            v.warning = Some(t("link-cancel-lead"));
            v.buttons.push(button(here, "link-cancel-button", true, false));
            v.after.push(t("link-cancel-keep"));
        }
        (_, LinkState::TooLateToCancel) => {
            v.heading = t("link-cancel-too-late-title");
            v.lead = vec![match phone {
                Some(p) => lang.t_with("link-cancel-too-late-phone", &[("phone", p)]),
                None => t("link-cancel-too-late"),
            }];
            return v;
        }
        (_, LinkState::Cancelled) => {
            v.heading = t("link-cancelled-title");
            v.lead = vec![t("link-cancelled-lead")];
        }
        (_, LinkState::Moved) => {
            v.heading = t("link-moved-title");
            v.lead = vec![t("link-moved-lead")];
            v.rows.clear();
        }
        (_, LinkState::Expired) => {
            v.heading = t("link-expired-title");
            v.lead = vec![t("link-expired-lead")];
        }
        (LinkAction::AcceptOffer | LinkAction::DeclineOffer, LinkState::Open) => {
            v.heading = t("link-offer-title");
            v.lead = vec![t("link-offer-lead")];
            if let Some(by) = page.reply_by {
                v.rows.push((t("link-reply-by"), domain::messaging::when_in_words(by, page.language)));
            }
            // Both answers; the one the patient clicked comes first.
            let base = here.trim_end_matches("/accept").trim_end_matches("/decline");
            let accept = button(&format!("{base}/accept"), "link-offer-accept", false, false);
            let decline = button(&format!("{base}/decline"), "link-offer-decline", false, true);
            v.buttons =
                if page.action == LinkAction::DeclineOffer { vec![decline, accept] } else { vec![accept, decline] };
            v.after.push(t("link-offer-stay"));
        }
        (_, LinkState::OfferAccepted) => {
            v.heading = t("link-offer-accepted-title");
            v.lead = vec![t("link-offer-accepted-lead")];
            v.success = true;
        }
        (_, LinkState::OfferDeclined) => {
            v.heading = t("link-offer-declined-title");
            v.lead = vec![t("link-offer-declined-lead")];
            v.rows.clear();
            v.success = true;
        }
        (_, LinkState::OfferClosed) => {
            v.heading = t("link-offer-closed-title");
            v.lead = vec![t("link-offer-closed-lead")];
            v.rows.clear();
        }
    }
    v.after.extend(call_us);
    v
}

/// Link pages are private to whoever holds the link: never cached, indexed or sent on as a referrer.
fn private(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    res
}

/// A link that does not work says so plainly and changes nothing; anything else says sorry. Both are
/// patient pages in the browser's language (we cannot know whose link it was), with the operation id as a
/// reference the practice can find in the log.
fn failure(e: AppError, op: OperationId, parts: &Parts) -> Response {
    let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::from_accept_language(accept);
    let (status, title, lead) = match e {
        AppError::NotFound { .. } | AppError::Invalid(_) | AppError::Forbidden { .. } => {
            (StatusCode::NOT_FOUND, "link-bad-title", "link-bad-lead")
        }
        other => {
            tracing::warn!(operation_id = %op.0, code = other.code(), error = %other, "a message link failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "link-problem-title", "link-problem-lead")
        }
    };
    let view = LinkView {
        heading: lang.t(title),
        lead: vec![lang.t(lead)],
        after: vec![lang.t_with("link-reference", &[("id", &lang.ltr_run(&op.0.to_string()))])],
        ..LinkView::default()
    };
    let shell = Shell::for_anyone(&view.heading, lang);
    private(render(&LinkTemplate { shell, view }, status))
}

fn show(page: &LinkPage, here: &str, cancel_path: Option<String>) -> Response {
    let lang = Lang::patient(page.language);
    let view = view(page, &lang, here, cancel_path);
    let shell = Shell::patient(&view.heading, lang, &page.practice);
    private(render(&LinkTemplate { shell, view }, StatusCode::OK))
}

async fn open_appointment_link(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    let ctx = crate::auth::anonymous_ctx(&parts);
    let op = OperationId(ctx.operation_id);
    let page = match state.app.open_appointment_link(&ctx, &token).await {
        Ok(p) => p,
        Err(e) => return failure(e, op, &parts),
    };
    // A confirm page also offers the way to cancel, with the cancel link for the same appointment.
    let cancel = match (page.action, page.state) {
        (LinkAction::Confirm, LinkState::Open) => {
            match state.app.appointment_link(LinkPurpose::Cancel, page.appointment).await {
                Ok(t) => Some(format!("/l/{t}")),
                Err(e) => return failure(e, op, &parts),
            }
        }
        _ => None,
    };
    show(&page, &format!("/l/{token}"), cancel)
}

/// After acting, back to the page, which now says how things stand. A link that can no longer do what it
/// says (cancelled meanwhile, too late) lands there too and the page explains why.
async fn use_appointment_link(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    let ctx = crate::auth::anonymous_ctx(&parts);
    let op = OperationId(ctx.operation_id);
    match state.app.use_appointment_link(&ctx, &token).await {
        Ok(_) | Err(AppError::Invalid(_) | AppError::Conflict { .. }) => {
            private(Redirect::to(&format!("/l/{token}")).into_response())
        }
        Err(e) => failure(e, op, &parts),
    }
}

async fn offer_page(state: &AppState, token: &str, accept: bool, here: String, parts: &Parts) -> Response {
    let ctx = crate::auth::anonymous_ctx(parts);
    let op = OperationId(ctx.operation_id);
    match state.app.open_offer_link(&ctx, token, accept).await {
        Ok(page) => show(&page, &here, None),
        Err(e) => failure(e, op, parts),
    }
}

async fn open_offer(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    offer_page(&state, &token, true, format!("/o/{token}"), &parts).await
}

async fn open_offer_accept(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    offer_page(&state, &token, true, format!("/o/{token}/accept"), &parts).await
}

async fn open_offer_decline(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    offer_page(&state, &token, false, format!("/o/{token}/decline"), &parts).await
}

async fn answer(state: &AppState, token: &str, accept: bool, parts: &Parts) -> Response {
    let ctx = crate::auth::anonymous_ctx(parts);
    let op = OperationId(ctx.operation_id);
    match state.app.use_offer_link(&ctx, token, accept).await {
        Ok(_) | Err(AppError::Invalid(_) | AppError::Conflict { .. }) => {
            private(Redirect::to(&format!("/o/{token}")).into_response())
        }
        Err(e) => failure(e, op, parts),
    }
}

async fn accept_offer(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    answer(&state, &token, true, &parts).await
}

async fn decline_offer(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    answer(&state, &token, false, &parts).await
}
