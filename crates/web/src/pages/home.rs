//! The staff home page: what this person can do, by role.

use super::{Shell, ok, take_flash};
use crate::auth::Staff;
use askama::Template;
use axum::response::Response;
use domain::governance::{Action, policy::role_may};

pub struct Task {
    pub href: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    shell: Shell,
    display_name: String,
    role_label: &'static str,
    flash: Option<String>,
    tasks: Vec<Task>,
}

pub async fn page(staff: Staff) -> Response {
    let role = staff.actor.role;
    let mut tasks = Vec::new();
    if role_may(role, Action::SearchPatients) {
        tasks.push(Task {
            href: "/staff/patients",
            title: "Find a patient",
            description: "Search by name, NHS number, date of birth, phone or postcode.",
        });
    }
    if role_may(role, Action::RegisterPatient) {
        tasks.push(Task {
            href: "/staff/patients/new",
            title: "Register a new patient",
            description: "Add a patient, with a check for existing records.",
        });
    }
    if role_may(role, Action::ManageRotas) {
        tasks.push(Task {
            href: "/staff/rota",
            title: "Rotas and services",
            description: "Set when each practitioner works, time away, and the types of appointment offered.",
        });
    }
    if role_may(role, Action::ViewOutbox) {
        tasks.push(Task {
            href: "/staff/messages/outbox",
            title: "Outbox",
            description: "See messages waiting, sent and delivered, and deal with the ones that are stuck.",
        });
    }
    if role_may(role, Action::ViewAuditLog) {
        tasks.push(Task {
            href: "/staff/audit",
            title: "Audit log",
            description: "See who looked at or changed records, and why.",
        });
    }
    if role_may(role, Action::ReviewBreakGlass) {
        tasks.push(Task {
            href: "/staff/audit/break-glass",
            title: "Break-glass reviews",
            description: "Check records opened outside a usual care relationship.",
        });
    }
    tasks.push(Task {
        href: "/staff/account",
        title: "Your account",
        description: "Change your password and set up two-step sign-in.",
    });
    let flash = take_flash(&staff).await;
    ok(&HomePage {
        shell: Shell::staff("Home", &staff),
        display_name: staff.actor.display_name.clone(),
        role_label: role.label(),
        flash,
        tasks,
    })
}
