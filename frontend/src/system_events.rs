//! A system entry of the stream in the reader's language: what it says is data (statuses,
//! names, numbers), rendered here rather than read from the entry's English text.

use helpdesk_api_types::SystemEvent;

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
            outcomes.join("; ")
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
