//! A system entry of the stream in the reader's language: what it says is data (statuses,
//! names, numbers), rendered here rather than read from the entry's English text.

use helpdesk_api_types::{NoEmail, RuleOutcome, SystemEvent};

use crate::case_page::clock_name;
use crate::i18n::{self, Lang};
use crate::tr;
use crate::ui::when;

/// One event as a sentence.
pub fn say(lg: Lang, e: &SystemEvent) -> String {
    match e {
        SystemEvent::StatusChanged { from, to } => format!(
            "{}: {} → {}",
            tr!(lg, "Status", "Статус"),
            i18n::status(lg, *from),
            i18n::status(lg, *to)
        ),
        SystemEvent::Assigned { name: Some(n), .. } => {
            format!("{} {n}", tr!(lg, "Assigned to", "Назначено:"))
        }
        SystemEvent::Assigned { .. } => tr!(lg, "Unassigned", "Назначение снято").to_owned(),
        SystemEvent::TeamSet { name: Some(n), .. } => {
            format!("{}: {n}", tr!(lg, "Team", "Группа"))
        }
        SystemEvent::TeamSet { .. } => tr!(lg, "No team", "Без группы").to_owned(),
        SystemEvent::Resolved { resolution } => {
            format!("{}: {resolution}", tr!(lg, "Resolution", "Решение"))
        }
        SystemEvent::Rejected { reason } => {
            format!("{}: {reason}", tr!(lg, "Rejected", "Отклонено"))
        }
        SystemEvent::MergedInto { number } => format!(
            "{} #{number}",
            tr!(lg, "Merged into", "Объединено с обращением")
        ),
        SystemEvent::MergedFrom { number } => match lg {
            Lang::En => format!("Case #{number} merged into this case"),
            Lang::Ru => format!("Обращение #{number} объединено с этим"),
        },
        SystemEvent::Escalated { line, team } => match lg {
            Lang::En => format!("Escalated to line {line}, team {team}"),
            Lang::Ru => format!("Передано на линию {line}, группа {team}"),
        },
        SystemEvent::FollowUp { number } => match lg {
            Lang::En => {
                format!("The customer wrote again after closing; follow-up case #{number}")
            }
            Lang::Ru => format!("Клиент написал после закрытия; создано продолжение #{number}"),
        },
        SystemEvent::Rule { name, outcomes } => format!(
            "{} «{name}»: {}",
            tr!(lg, "Rule", "Правило"),
            outcomes
                .iter()
                .map(|o| outcome(lg, o))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        SystemEvent::Sla {
            metric,
            breached,
            due_at,
        } => {
            let due = due_at.map(|d| when(lg, d)).unwrap_or_default();
            let metric = clock_name(lg, *metric);
            match (lg, breached) {
                (Lang::En, true) => format!("SLA: the «{metric}» target was missed (due {due})"),
                (Lang::En, false) => format!("SLA: the «{metric}» target is due {due}"),
                (Lang::Ru, true) => format!("SLA: срок «{metric}» нарушен (до {due})"),
                (Lang::Ru, false) => format!("SLA: срок «{metric}» истекает {due}"),
            }
        }
    }
}

/// What one action of a rule did.
fn outcome(lg: Lang, o: &RuleOutcome) -> String {
    let en = lg == Lang::En;
    match o {
        RuleOutcome::Assigned { name, .. } => {
            format!("{} {name}", tr!(lg, "assigned to", "назначено:"))
        }
        RuleOutcome::NobodyFree { team_id } => match en {
            true => format!("nobody in team #{team_id} could take the case"),
            false => format!("в группе #{team_id} никто не может взять обращение"),
        },
        RuleOutcome::NotAssigned { user_id, exists } => match (en, exists) {
            (true, true) => format!("not assigned: user #{user_id} is not an active agent"),
            (true, false) => format!("not assigned: user #{user_id} does not exist"),
            (false, true) => format!("не назначено: #{user_id} не действующий сотрудник"),
            (false, false) => format!("не назначено: пользователя #{user_id} нет"),
        },
        RuleOutcome::TeamSet { name, .. } => format!("{}: {name}", tr!(lg, "team", "группа")),
        RuleOutcome::NoSuchTeam { team_id } => match en {
            true => format!("team #{team_id} does not exist"),
            false => format!("группы #{team_id} нет"),
        },
        RuleOutcome::PrioritySet { priority } => format!(
            "{}: {}",
            tr!(lg, "priority", "приоритет"),
            i18n::priority(lg, *priority)
        ),
        RuleOutcome::TypeSet { case_type } => format!(
            "{}: {}",
            tr!(lg, "type", "тип"),
            i18n::case_type(lg, *case_type)
        ),
        RuleOutcome::LineSet { line } => format!("{}: {line}", tr!(lg, "support line", "линия")),
        RuleOutcome::StatusSet { status } => format!(
            "{}: {}",
            tr!(lg, "status", "статус"),
            i18n::status(lg, *status)
        ),
        RuleOutcome::StatusKept { from, to } => match en {
            true => format!(
                "status stays «{}»: it cannot become «{}»",
                i18n::status(lg, *from),
                i18n::status(lg, *to)
            ),
            false => format!(
                "статус остался «{}»: из него нельзя перейти в «{}»",
                i18n::status(lg, *from),
                i18n::status(lg, *to)
            ),
        },
        RuleOutcome::TagsAdded { tags } => {
            format!("{}: {}", tr!(lg, "tags", "теги"), tags.join(", "))
        }
        RuleOutcome::FollowersAdded { user_ids } => format!(
            "{}: {}",
            tr!(lg, "followers added", "добавлены наблюдатели"),
            user_ids.len()
        ),
        RuleOutcome::UsersTold { count } => {
            format!(
                "{}: {count}",
                tr!(lg, "agents told", "уведомлено сотрудников")
            )
        }
        RuleOutcome::TeamTold { count } => format!(
            "{}: {count}",
            tr!(lg, "team members told", "уведомлено участников группы")
        ),
        RuleOutcome::Emailed { to } => format!("{} {to}", tr!(lg, "email to", "письмо на")),
        RuleOutcome::NotEmailed { why } => {
            let why = match why {
                NoEmail::NotConfigured => {
                    tr!(lg, "sending is not configured", "отправка не настроена")
                }
                NoEmail::NoRequester => {
                    tr!(lg, "the case has no requester", "у обращения нет заявителя")
                }
                NoEmail::NoAddress => {
                    tr!(lg, "the requester has no address", "у заявителя нет адреса")
                }
            };
            format!("{}: {why}", tr!(lg, "no email", "письмо не отправлено"))
        }
        RuleOutcome::Escalated { line } => {
            format!(
                "{} {line}",
                tr!(lg, "escalated to line", "передано на линию")
            )
        }
        RuleOutcome::NotEscalated => tr!(
            lg,
            "not escalated: already on the last line",
            "не передано: это последняя линия"
        )
        .to_owned(),
    }
}

/// Every event of an entry, as one line.
pub fn say_all(lg: Lang, events: &[SystemEvent]) -> String {
    events
        .iter()
        .map(|e| say(lg, e))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_api_types::CaseStatus;

    #[test]
    fn a_status_change_reads_in_words_in_either_language() {
        let e = SystemEvent::StatusChanged {
            from: CaseStatus::Open,
            to: CaseStatus::AwaitingCustomer,
        };
        assert_eq!(say(Lang::En, &e), "Status: Open → Awaiting customer");
        assert_eq!(
            say(Lang::Ru, &e),
            "Статус: В работе → Ожидает ответа клиента"
        );
    }

    #[test]
    fn a_rules_entry_reads_in_russian() {
        let e = SystemEvent::Rule {
            name: "Срочные".into(),
            outcomes: vec![
                RuleOutcome::PrioritySet {
                    priority: helpdesk_api_types::Priority::Urgent,
                },
                RuleOutcome::NotEmailed {
                    why: NoEmail::NoAddress,
                },
            ],
        };
        assert_eq!(
            say(Lang::Ru, &e),
            "Правило «Срочные»: приоритет: Срочный; письмо не отправлено: у заявителя нет адреса"
        );
    }

    #[test]
    fn a_handoff_reads_as_one_line() {
        let events = [
            SystemEvent::Assigned {
                user_id: Some(4),
                name: Some("Анна Орлова".into()),
            },
            SystemEvent::TeamSet {
                team_id: None,
                name: None,
            },
        ];
        assert_eq!(
            say_all(Lang::Ru, &events),
            "Назначено: Анна Орлова; Без группы"
        );
        assert_eq!(
            say_all(Lang::En, &events),
            "Assigned to Анна Орлова; No team"
        );
    }
}
