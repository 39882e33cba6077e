//! Calendars and SLA policies: what admins write and agents read. A change queues the
//! recomputation of every open case's clocks, which the worker runs.

use chrono::NaiveDateTime;
use helpdesk_api_types::sla::{
    Calendar, CalendarInput, Holiday, Interval, SlaPolicy, SlaPolicyInput,
};
use helpdesk_domain::calendar::{Calendar as Hours, DAY};
use helpdesk_store::sla::{self as store, CalendarRow, NewJob, PolicyRow};
use helpdesk_store::{AnyConnection, StoreError};
use validator::Validate;

use crate::sla::StoredHoliday;
use crate::users::not_found;
use crate::{Actor, AppError, Services};

fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(DAY),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}

fn show_hhmm(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

type Week = [Vec<(u32, u32)>; 7];

/// The calendar an input describes, checked by the domain's rules.
fn hours_of_input(input: &CalendarInput) -> Result<(Hours, Vec<Option<String>>), AppError> {
    let mut week: Week = Default::default();
    for (day, intervals) in input.week.iter().enumerate().take(7) {
        for (i, iv) in intervals.iter().enumerate() {
            let (Some(a), Some(b)) = (hhmm(&iv.start), hhmm(&iv.end)) else {
                return Err(AppError::field(
                    &format!("week[{day}][{i}]"),
                    "times are HH:MM, from 00:00 to 24:00",
                ));
            };
            week[day].push((a, b));
        }
    }
    let holidays = input
        .holidays
        .iter()
        .map(|h| (h.from, h.to.unwrap_or(h.from)))
        .collect();
    let names = input.holidays.iter().map(|h| h.name.clone()).collect();
    Ok((Hours::new(&input.time_zone, week, holidays)?, names))
}

fn calendar_dto(row: CalendarRow) -> Result<Calendar, AppError> {
    let week: Vec<Vec<(u32, u32)>> = serde_json::from_str(&row.week)
        .map_err(|e| AppError::failed(format!("calendar {}", row.id), e))?;
    let holidays: Vec<StoredHoliday> = serde_json::from_str(&row.holidays)
        .map_err(|e| AppError::failed(format!("calendar {}", row.id), e))?;
    Ok(Calendar {
        id: row.id,
        name: row.name,
        time_zone: row.time_zone,
        week: week
            .into_iter()
            .map(|day| {
                day.into_iter()
                    .map(|(a, b)| Interval {
                        start: show_hhmm(a),
                        end: show_hhmm(b),
                    })
                    .collect()
            })
            .collect(),
        holidays: holidays
            .into_iter()
            .map(|(from, to, name)| Holiday {
                from,
                to: Some(to),
                name,
            })
            .collect(),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn policy_dto(row: PolicyRow) -> Result<SlaPolicy, AppError> {
    let bad = |e: serde_json::Error| AppError::failed(format!("SLA policy {}", row.id), e);
    Ok(SlaPolicy {
        id: row.id,
        conditions: serde_json::from_str(&row.conditions).map_err(bad)?,
        targets: serde_json::from_str(&row.targets).map_err(bad)?,
        name: row.name,
        position: row.position,
        active: row.active,
        calendar_id: row.calendar_id,
        warn_percent: row.warn_percent,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

impl Services {
    pub fn list_calendars(&self, actor: &Actor) -> Result<Vec<Calendar>, AppError> {
        actor.staff_read()?;
        let rows = self.db.read(store::calendars)?;
        rows.into_iter().map(calendar_dto).collect()
    }

    pub fn get_calendar(&self, actor: &Actor, id: i64) -> Result<Calendar, AppError> {
        actor.staff_read()?;
        let row = self
            .db
            .read(|c| store::calendar(c, id))
            .map_err(not_found("calendar"))?;
        calendar_dto(row)
    }

    fn calendar_values(&self, input: &CalendarInput) -> Result<store::CalendarValues, AppError> {
        input.validate()?;
        let (hours, names) = hours_of_input(input)?;
        let holidays: Vec<StoredHoliday> = hours
            .holidays
            .iter()
            .zip(names)
            .map(|((a, b), n)| (*a, *b, n))
            .collect();
        Ok(store::CalendarValues {
            name: input.name.trim().to_owned(),
            time_zone: hours.time_zone.name().to_owned(),
            week: serde_json::to_string(&hours.week.to_vec())
                .map_err(|e| AppError::failed("storing SLA settings as JSON", e))?,
            holidays: serde_json::to_string(&holidays)
                .map_err(|e| AppError::failed("storing SLA settings as JSON", e))?,
            updated_at: self.now(),
        })
    }

    pub fn create_calendar(
        &self,
        actor: &Actor,
        input: &CalendarInput,
    ) -> Result<Calendar, AppError> {
        actor.admin()?;
        let values = self.calendar_values(input)?;
        let now = self.now();
        let row = self
            .db
            .write(|c| Ok::<_, AppError>(store::insert_calendar(c, &values, now)?))?;
        calendar_dto(row)
    }

    /// Replaces a calendar; the clocks of every open case are computed again by the worker.
    pub fn update_calendar(
        &self,
        actor: &Actor,
        id: i64,
        input: &CalendarInput,
    ) -> Result<Calendar, AppError> {
        actor.admin()?;
        let values = self.calendar_values(input)?;
        let now = self.now();
        let row = self
            .db
            .write(|c| {
                let row = store::update_calendar(c, id, &values)?;
                queue_recompute(c, now)?;
                Ok::<_, StoreError>(row)
            })
            .map_err(not_found("calendar"))?;
        calendar_dto(row)
    }

    pub fn delete_calendar(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.admin()?;
        self.db
            .write(|c| store::delete_calendar(c, id))
            .map_err(not_found("calendar"))
    }

    pub fn list_sla_policies(&self, actor: &Actor) -> Result<Vec<SlaPolicy>, AppError> {
        actor.staff_read()?;
        let rows = self.db.read(store::policies)?;
        rows.into_iter().map(policy_dto).collect()
    }

    pub fn get_sla_policy(&self, actor: &Actor, id: i64) -> Result<SlaPolicy, AppError> {
        actor.staff_read()?;
        let row = self
            .db
            .read(|c| store::policy(c, id))
            .map_err(not_found("SLA policy"))?;
        policy_dto(row)
    }

    fn policy_values(
        &self,
        c: &mut AnyConnection,
        input: &SlaPolicyInput,
    ) -> Result<store::PolicyValues, AppError> {
        input.validate()?;
        let targets = [
            input.targets.low,
            input.targets.normal,
            input.targets.high,
            input.targets.urgent,
        ];
        let minutes = targets.iter().flat_map(|t| {
            [
                t.first_response_minutes,
                t.next_response_minutes,
                t.resolution_minutes,
            ]
        });
        if minutes.flatten().any(|m| !(1..=525_600).contains(&m)) {
            return Err(AppError::field(
                "targets",
                "targets are minutes from 1 to 525600 (a year)",
            ));
        }
        if let Some(id) = input.calendar_id {
            if matches!(store::calendar(c, id), Err(StoreError::NotFound)) {
                return Err(AppError::field("calendar_id", "no calendar with this id"));
            }
        }
        Ok(store::PolicyValues {
            name: input.name.trim().to_owned(),
            position: input.position.unwrap_or(100),
            active: input.active.unwrap_or(true),
            calendar_id: input.calendar_id,
            conditions: serde_json::to_string(&input.conditions)
                .map_err(|e| AppError::failed("storing SLA settings as JSON", e))?,
            targets: serde_json::to_string(&input.targets)
                .map_err(|e| AppError::failed("storing SLA settings as JSON", e))?,
            warn_percent: input.warn_percent.unwrap_or(80),
            updated_at: self.now(),
        })
    }

    /// Adds a policy; the clocks of every open case are computed again by the worker.
    pub fn create_sla_policy(
        &self,
        actor: &Actor,
        input: &SlaPolicyInput,
    ) -> Result<SlaPolicy, AppError> {
        actor.admin()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let values = self.policy_values(c, input)?;
            let row = store::insert_policy(c, &values, now)?;
            queue_recompute(c, now)?;
            Ok::<_, AppError>(row)
        })?;
        policy_dto(row)
    }

    pub fn update_sla_policy(
        &self,
        actor: &Actor,
        id: i64,
        input: &SlaPolicyInput,
    ) -> Result<SlaPolicy, AppError> {
        actor.admin()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let values = self.policy_values(c, input)?;
            let row = store::update_policy(c, id, &values).map_err(not_found("SLA policy"))?;
            queue_recompute(c, now)?;
            Ok::<_, AppError>(row)
        })?;
        policy_dto(row)
    }

    pub fn delete_sla_policy(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.admin()?;
        let now = self.now();
        self.db
            .write(|c| {
                store::delete_policy(c, id)?;
                queue_recompute(c, now)
            })
            .map_err(not_found("SLA policy"))
    }
}

/// Asks the worker to compute every open case's clocks again (policies or calendars changed).
fn queue_recompute(c: &mut AnyConnection, now: NaiveDateTime) -> Result<(), StoreError> {
    store::enqueue_once(
        c,
        &NewJob {
            kind: store::SLA_RECOMPUTE.into(),
            case_id: None,
            key: store::SLA_RECOMPUTE.into(),
            run_at: now,
            created_at: now,
        },
    )?;
    Ok(())
}
