//! Problem documents in the caller's language. The use cases write their messages in English
//! (they are also the API's reference texts); a request that prefers Russian
//! (`Accept-Language: ru`, which the app sends in its user's language) gets the title, the detail
//! and every field message of a problem document in Russian, with `Content-Language: ru`.
//!
//! Messages are matched against templates whose `{}` holes take any text; what fills a hole is
//! translated too when it is itself a known message (a noun, a rule). A test reads the sources
//! of every crate that writes messages and fails on any message without its Russian here.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use serde_json::Value;

/// English template → Russian template, the holes (`{}`) in the same order.
pub const RU: &[(&str, &str)] = &[
    // Problem titles.
    ("The request could not be read", "Запрос не удалось прочитать"),
    ("Authentication required", "Нужно войти"),
    ("A code from the authenticator app is required", "Нужен код из приложения-аутентификатора"),
    ("Two-factor sign-in must be set up", "Нужно настроить двухфакторный вход"),
    ("Forbidden", "Нет доступа"),
    ("Not found", "Не найдено"),
    ("Conflict", "Конфликт"),
    ("Status change not allowed", "Смена статуса невозможна"),
    ("A request with this Idempotency-Key is still being handled", "Запрос с этим Idempotency-Key ещё выполняется"),
    ("The request is too large", "Запрос слишком велик"),
    ("Send the body as application/json", "Отправьте тело запроса как application/json"),
    ("The request has invalid fields", "В запросе неверные поля"),
    ("Too many requests", "Слишком много запросов"),
    ("Internal error", "Внутренняя ошибка"),
    ("An outside service failed", "Внешний сервис не ответил как нужно"),
    ("Not available", "Недоступно"),
    ("Temporarily unavailable", "Временно недоступно"),
    // Details the API itself writes.
    ("check {}", "проверьте: {}"),
    ("Json deserialize error: {}", "JSON не читается: {}"),
    ("Content type error", "неверный тип содержимого"),
    ("invalid type: {}, expected {} at line {} column {}", "неверный тип: {}, ожидается {} (строка {}, столбец {})"),
    ("invalid value: {}, expected {} at line {} column {}", "неверное значение: {}, ожидается {} (строка {}, столбец {})"),
    ("unknown field `{}`, expected one of {} at line {} column {}", "неизвестное поле `{}`; допустимы: {} (строка {}, столбец {})"),
    ("unknown field `{}`, expected {} at line {} column {}", "неизвестное поле `{}`; допустимо: {} (строка {}, столбец {})"),
    ("unknown field `{}`, there are no fields at line {} column {}", "неизвестное поле `{}`: полей здесь нет (строка {}, столбец {})"),
    ("missing field `{}` at line {} column {}", "нет поля `{}` (строка {}, столбец {})"),
    ("unknown variant `{}`, expected one of {} at line {} column {}", "недопустимое значение `{}`; допустимы: {} (строка {}, столбец {})"),
    ("unknown variant `{}`, expected {} at line {} column {}", "недопустимое значение `{}`; допустимо: {} (строка {}, столбец {})"),
    ("EOF while parsing a value at line {} column {}", "JSON обрывается (строка {}, столбец {})"),
    ("EOF while parsing an object at line {} column {}", "JSON обрывается (строка {}, столбец {})"),
    ("expected value at line {} column {}", "ожидается значение (строка {}, столбец {})"),
    ("trailing characters at line {} column {}", "лишние символы после JSON (строка {}, столбец {})"),
    ("text must not contain NUL (U+0000) characters", "текст не должен содержать символ NUL (U+0000)"),
    ("must not contain NUL (U+0000) characters", "не должно содержать символ NUL (U+0000)"),
    ("the database is not answering; nothing was changed, try again in {} seconds", "база данных не отвечает; ничего не изменено, повторите через {} с"),
    // Validator rules.
    ("length must be between {} and {}", "длина должна быть от {} до {}"),
    ("length must be at least {}", "длина должна быть не меньше {}"),
    ("length must be at most {}", "длина должна быть не больше {}"),
    ("has the wrong length", "неверная длина"),
    ("must be between {} and {}", "должно быть от {} до {}"),
    ("must be at least {}", "должно быть не меньше {}"),
    ("must be at most {}", "должно быть не больше {}"),
    ("is out of range", "вне допустимого диапазона"),
    ("fails the `{}` rule", "не проходит проверку `{}`"),
    ("must not be blank", "не должно быть пустым"),
    ("is required", "обязательное поле"),
    ("is too long", "слишком длинное"),
    // What was not found (`{} not found`), and its nouns.
    ("{} not found", "не найдено: {}"),
    ("API token", "API-токен"),
    ("article", "статья"),
    ("attachment", "файл"),
    ("calendar", "календарь"),
    ("case", "обращение"),
    ("category", "категория"),
    ("contact", "контакт"),
    ("contract", "контракт"),
    ("import", "импорт"),
    ("invitation", "приглашение"),
    ("lead", "лид"),
    ("mail", "письмо"),
    ("received message", "полученное письмо"),
    ("mailbox", "почтовый ящик"),
    ("notification", "уведомление"),
    ("organization", "организация"),
    ("password reset link", "ссылка для сброса пароля"),
    ("product", "программный комплекс"),
    ("record", "запись"),
    ("session", "сеанс"),
    ("SLA policy", "политика SLA"),
    ("stream entry", "запись потока"),
    ("team", "группа"),
    ("user", "пользователь"),
    ("web form", "веб-форма"),
    ("webhook delivery", "доставка вебхука"),
    ("webhook subscription", "подписка на вебхуки"),
    ("workflow rule", "правило рабочего потока"),
    // Sign-in, sessions, tokens.
    ("send `Authorization: Bearer <token>`", "передайте `Authorization: Bearer <токен>`"),
    ("authentication required: {}", "нужно войти: {}"),
    ("access token not accepted: {}", "токен доступа не принят: {}"),
    ("API token unknown, revoked or expired", "API-токен неизвестен, отозван или истёк"),
    ("API tokens are created from a signed-in session", "API-токены создаются из сеанса, открытого входом"),
    ("this API token lacks the `{}` scope", "у этого API-токена нет права `{}`"),
    ("only admins may grant the `admin` scope", "право `admin` могут выдавать только администраторы"),
    ("name at least one scope", "укажите хотя бы одно право"),
    ("e-mail or password is wrong", "неверный e-mail или пароль"),
    ("account disabled", "учётная запись отключена"),
    ("the account is disabled", "учётная запись отключена"),
    ("this session has ended; sign in again", "сеанс завершён; войдите снова"),
    ("this session is unknown", "такой сеанс неизвестен"),
    ("too many attempts; retry in {} s", "слишком много попыток; повторите через {} с"),
    ("a second factor is required", "нужен второй фактор"),
    ("is not a current code of your authenticator app", "это не текущий код вашего приложения-аутентификатора"),
    ("is not a current code of the new secret; check the app's clock", "это не текущий код нового ключа; проверьте часы в приложении"),
    ("start the enrolment first", "сначала начните подключение"),
    ("two-factor sign-in is off", "двухфакторный вход выключен"),
    ("two-factor sign-in is on already", "двухфакторный вход уже включён"),
    ("two-factor sign-in is managed from a signed-in session, not with an API token", "двухфакторным входом управляют из сеанса, открытого входом, а не API-токеном"),
    ("your role requires two-factor sign-in; an admin can reset it if the device is lost", "вашей роли нужен двухфакторный вход; если устройство потеряно, администратор может его сбросить"),
    ("only staff roles (admin, agent) can be required to use two factors", "двухфакторный вход можно требовать только от ролей сотрудников (admin, agent)"),
    ("is not your current password", "это не ваш текущий пароль"),
    ("must differ from the current password", "должен отличаться от текущего пароля"),
    ("a password is changed from a signed-in session, not with an API token", "пароль меняют из сеанса, открытого входом, а не API-токеном"),
    ("password sign-in is off for your role: sign in with single sign-on", "вход по паролю для вашей роли выключен: войдите через единый вход"),
    ("single sign-on is not configured", "единый вход не настроен"),
    ("the sign-in code is unknown, used or expired", "код входа неизвестен, уже использован или истёк"),
    ("the sign-in did not finish", "вход не завершён"),
    ("the identity provider calls itself {}, not {}", "поставщик удостоверений называет себя {}, а не {}"),
    ("the identity provider: {}", "поставщик удостоверений: {}"),
    ("the provider's authorization endpoint: {}", "адрес авторизации поставщика: {}"),
    ("another account already signs in with this e-mail address", "с этим адресом e-mail уже входит другая учётная запись"),
    ("portal access is switched off for this contact", "доступ к порталу для этого контакта выключен"),
    ("this portal account has no contact", "у этой учётной записи портала нет контакта"),
    // Roles and who may do what.
    ("forbidden: {}", "нет доступа: {}"),
    ("this is for admins", "это доступно только администраторам"),
    ("this is for agents and admins", "это доступно сотрудникам и администраторам"),
    ("this is the customer portal; agents use /api/v1/cases", "это клиентский портал; сотрудники работают через /api/v1/cases"),
    ("admins cannot demote or disable themselves", "администратор не может понизить или отключить сам себя"),
    ("a user with this e-mail already exists", "пользователь с таким e-mail уже есть"),
    ("a portal user acts as a contact; name one", "пользователь портала действует от имени контакта; укажите его"),
    ("only portal users are linked to a contact", "с контактом связываются только пользователи портала"),
    ("portal users are not on a support line", "у пользователей портала нет линии поддержки"),
    ("only agents and admins can follow every new case", "подписаться на все новые обращения могут только сотрудники и администраторы"),
    ("user {} does not exist", "пользователя {} нет"),
    ("user {} is a portal user", "пользователь {} — пользователь портала"),
    ("user {} is not an agent", "пользователь {} не сотрудник"),
    ("a team with this name exists", "группа с таким названием уже есть"),
    ("{} with this name exists", "{} с таким названием уже есть"),
    ("no such team", "такой группы нет"),
    ("team {} does not exist", "группы {} нет"),
    ("team {} does not serve support line {}", "группа {} не относится к линии поддержки {}"),
    ("no team serves support line {}; create one first", "ни одна группа не относится к линии поддержки {}; сначала создайте её"),
    // Cases.
    ("a case cannot go from `{}` to `{}`", "обращение не может перейти из `{}` в `{}`"),
    ("a case cannot be merged into itself", "обращение нельзя объединить с самим собой"),
    ("cases are merged with the merge action, not by setting the status", "обращения объединяют действием «Объединить», а не сменой статуса"),
    ("case #{} belongs to {}, not to this case's organization: its customers would read this case's messages and this case's customers its messages; confirm to merge anyway", "обращение №{} принадлежит организации {}, а не организации этого обращения: её клиенты увидят сообщения этого обращения, а клиенты этого — её; подтвердите, чтобы всё же объединить"),
    ("case #{} has no requester to ask; ask a colleague or add a requester", "у обращения №{} нет заявителя, которого можно спросить; спросите коллегу или добавьте заявителя"),
    ("case #{} is already on support line {}, the last one", "обращение №{} уже на линии поддержки {}, последней"),
    ("case #{} is already {}", "обращение №{} уже в статусе `{}`"),
    ("case #{} is {}; merge into a case that is still worked on", "обращение №{} в статусе `{}`; объединяйте с обращением, которое ещё в работе"),
    ("case #{} is {}; only resolved, closed or rejected cases are reopened", "обращение №{} в статусе `{}`; возобновляют только решённые, закрытые или отклонённые обращения"),
    ("case #{} is {}; reopen it before changing it", "обращение №{} в статусе `{}`; возобновите его, прежде чем менять"),
    ("case #{} is {}; reopen it before you {} it", "обращение №{} в статусе `{}`; возобновите его, прежде чем выполнять «{}»"),
    ("case #{} was merged; attach files to its target", "обращение №{} объединено; прикрепляйте файлы к обращению, с которым оно объединено"),
    ("case #{} was merged; write to its target", "обращение №{} объединено; пишите в обращение, с которым оно объединено"),
    ("case {} does not exist", "обращения {} нет"),
    ("there is no case #{}", "обращения №{} нет"),
    ("name the target case by `target_number` or by `target_id` (one of them)", "укажите целевое обращение по `target_number` или по `target_id` (что-то одно)"),
    ("give assignee_id, team_id or both", "укажите assignee_id, team_id или оба"),
    ("name the colleague to ask", "укажите коллегу, которого спросить"),
    ("say what resolved the case", "напишите, чем решено обращение"),
    ("say why the case is rejected", "напишите, почему обращение отклонено"),
    ("agents register cases as agent, phone, email or api", "сотрудники регистрируют обращения с типом связи agent, phone, email или api"),
    ("without an active contract for the product only `consultation` cases are accepted", "без действующего контракта на программный комплекс принимаются только консультации"),
    ("product does not exist", "такого программного комплекса нет"),
    ("product {} does not exist", "программного комплекса {} нет"),
    ("product {} is retired", "программный комплекс {} выведен из обращения"),
    ("component {} does not exist", "компонента {} нет"),
    ("the component belongs to another product", "компонент относится к другому программному комплексу"),
    ("contact {} does not exist", "контакта {} нет"),
    ("no such contact", "такого контакта нет"),
    ("organization does not exist", "такой организации нет"),
    ("organization {} does not exist", "организации {} нет"),
    ("organization {} was merged into {}; use {}", "организация {} объединена с {}; используйте {}"),
    ("each id must be a file you uploaded to this case and have not sent yet", "каждый id должен быть файлом, который вы загрузили в это обращение и ещё не отправили"),
    ("system entries are written by the helpdesk itself", "системные записи пишет сама система"),
    ("this entry is not a suggested follow-up (any more)", "эта запись (уже) не предложенное продолжение"),
    ("must be 1, 2 or 3", "должно быть 1, 2 или 3"),
    ("support line must be 1, 2 or 3", "линия поддержки должна быть 1, 2 или 3"),
    ("must be 1 to 200 characters", "должно быть от 1 до 200 символов"),
    ("must be a user id, `me` or `none`", "должно быть id пользователя, `me` или `none`"),
    ("must be `-created_at`, `created_at` or `sla_due`", "должно быть `-created_at`, `created_at` или `sla_due`"),
    ("must be `breached`, `breaching_soon` or `at_risk`", "должно быть `breached`, `breaching_soon` или `at_risk`"),
    ("is not a cursor returned by this list", "это не курсор этого списка"),
    ("is not a cursor returned by this export", "это не курсор этой выгрузки"),
    ("must be between 1 and {}", "должно быть от 1 до {}"),
    ("must be one of {}", "должно быть одним из: {}"),
    ("must be en or ru", "должно быть en или ru"),
    ("must be a whole number", "должно быть целым числом"),
    ("`{}` cannot be searched here", "по `{}` здесь не ищут"),
    ("`{}` is not one of: case, message, contact, organization, article", "`{}` — не одно из: case, message, contact, organization, article"),
    // Values that check themselves.
    ("INN check digits do not match", "контрольные цифры ИНН не сходятся"),
    ("INN must contain digits only", "ИНН должен состоять только из цифр"),
    ("INN must have 10 digits (organization) or 12 digits (individual)", "ИНН должен содержать 10 цифр (организация) или 12 цифр (физическое лицо)"),
    ("KPP must be 9 characters: 4 digits, 2 digits or capital letters, 3 digits", "КПП — 9 знаков: 4 цифры, 2 цифры или заглавные буквы, 3 цифры"),
    ("only organizations (10-digit INN) have a KPP", "КПП есть только у организаций (ИНН из 10 цифр)"),
    ("`{}` {}", "`{}` {}"),
    ("is not an e-mail address: it contains spaces or a second `@`", "— не адрес e-mail: в нём пробелы или второй `@`"),
    ("is not an e-mail address: it has no `@`", "— не адрес e-mail: в нём нет `@`"),
    ("is not an e-mail address: the domain is not valid", "— не адрес e-mail: неверный домен"),
    ("is not an e-mail address: the part before `@` is empty or too long", "— не адрес e-mail: часть до `@` пуста или слишком длинна"),
    ("phone number is empty", "номер телефона пуст"),
    ("`{}` has no country code; write it as +<country code> <number>, e.g. +7 495 123-45-67", "в `{}` нет кода страны; пишите +<код страны> <номер>, например +7 495 123-45-67"),
    ("`{}` is not a phone number: `+` may only stand first", "`{}` — не номер телефона: `+` может стоять только первым"),
    ("`{}` is not a phone number: `{}` is not allowed", "`{}` — не номер телефона: `{}` недопустимо"),
    ("`{}` is not a phone number: the extension must be 1 to 6 digits", "`{}` — не номер телефона: добавочный номер — от 1 до 6 цифр"),
    ("`{}` is not a valid international number (E.164 allows 8 to 15 digits after `+`, not starting with 0)", "`{}` — неверный международный номер (E.164: от 8 до 15 цифр после `+`, не с 0)"),
    ("{} does not accept the value `{}`", "{}: значение `{}` недопустимо"),
    ("{}: {}", "{}: {}"),
    // CRM, leads, merging records, imports.
    ("an organization cannot be its own ancestor", "организация не может быть собственным предком"),
    ("no organization has INN {}", "нет организации с ИНН {}"),
    ("no organization is named {}", "нет организации с названием {}"),
    ("organization with this INN in the registry", "организация с этим ИНН в реестре"),
    ("the company registry could not be reached", "реестр организаций недоступен"),
    ("the company registry answered something unreadable", "реестр организаций ответил нечитаемо"),
    ("the company registry answered {}", "реестр организаций ответил {}"),
    ("the company registry did not answer within {} s", "реестр организаций не ответил за {} с"),
    ("a lead becomes converted by converting it", "лид становится преобразованным только через преобразование"),
    ("this lead was already converted", "этот лид уже преобразован"),
    ("this lead was converted; edit its organization and contact instead", "этот лид преобразован; меняйте его организацию и контакт"),
    ("lead {} was converted; it is not updated", "лид {} преобразован; его не меняют"),
    ("must be new, contacted, qualified or lost", "должно быть new, contacted, qualified или lost"),
    ("name at least one of status, owner_id, rating, source to change", "укажите, что изменить: status, owner_id, rating или source"),
    ("lists a record twice", "запись указана дважды"),
    ("must not contain the survivor", "не должно содержать сохраняемую запись"),
    ("{} {} does not exist", "{} {} нет"),
    ("{} {} was already merged into {}", "{} {} уже объединено с {}"),
    ("{} {} was merged into {}; change that one", "{} {} объединено с {}; меняйте ту запись"),
    ("send the import options as a part named `options` (JSON)", "передайте параметры импорта частью `options` (JSON)"),
    ("send exactly one part named `file`", "передайте ровно одну часть `file`"),
    ("send at least one part named `file` (multipart/form-data)", "передайте хотя бы одну часть `file` (multipart/form-data)"),
    ("the file cannot be read: {}", "файл не читается: {}"),
    ("the file is not UTF-8 (byte {}); try windows-1251", "файл не в UTF-8 (байт {}); попробуйте windows-1251"),
    ("the header line cannot be read: {}", "строка заголовков не читается: {}"),
    ("no column fills the required field `{}`", "ни один столбец не заполняет обязательное поле `{}`"),
    ("must be `;` or `,`", "должно быть `;` или `,`"),
    ("must be utf-8 or windows-1251", "должно быть utf-8 или windows-1251"),
    ("must be yes/no (1/0, true/false, да/нет)", "должно быть да/нет (1/0, true/false, yes/no)"),
    ("must be UTF-8 text", "должно быть текстом в UTF-8"),
    ("another worker took this import over", "этот импорт перехватил другой обработчик"),
    ("switch portal access on before inviting the contact", "включите доступ к порталу, прежде чем приглашать контакт"),
    ("the contact already has a portal account and signs in with their password", "у контакта уже есть учётная запись портала, он входит со своим паролем"),
    ("the contact has no e-mail address to send the invitation to", "у контакта нет адреса e-mail для приглашения"),
    // Knowledge base, SLA, workflow, mail, files, web forms.
    ("a category cannot sit inside itself", "категория не может быть внутри самой себя"),
    ("no such category", "такой категории нет"),
    ("no calendar with this id", "календаря с таким id нет"),
    ("a calendar needs working time on at least one day", "в календаре должно быть рабочее время хотя бы в один день"),
    ("an IANA time zone name such as Europe/Moscow", "название часового пояса IANA, например Europe/Moscow"),
    ("the holiday range {} – {} ends before it starts", "праздничный период {} – {} кончается раньше, чем начинается"),
    ("intervals of {} must each start before they end, within the day, in order and without overlap", "интервалы дня {} должны начинаться раньше конца, лежать в пределах суток, идти по порядку и не пересекаться"),
    ("times are HH:MM, from 00:00 to 24:00", "время — ЧЧ:ММ, от 00:00 до 24:00"),
    ("targets are minutes from 1 to 525600 (a year)", "сроки — минуты от 1 до 525600 (год)"),
    ("must not be before starts_on", "не может быть раньше starts_on"),
    ("a time_in_status rule needs the minutes in the status", "правилу time_in_status нужно число минут в статусе"),
    ("`in` takes a list of values", "`in` принимает список значений"),
    ("bad subject", "неверная тема"),
    ("not a valid inbound token for this mailbox", "неверный входящий токен для этого почтового ящика"),
    ("the mailbox's inbound token is required", "нужен входящий токен почтового ящика"),
    ("send the message as message/rfc822", "передайте письмо как message/rfc822"),
    ("the message is larger than the limit of {} bytes", "письмо больше предела в {} байт"),
    ("passwords are stored encrypted: set HELPDESK_ENCRYPTION_KEY first", "пароли хранятся зашифрованными: сначала задайте HELPDESK_ENCRYPTION_KEY"),
    ("must be tls, starttls or none", "должно быть tls, starttls или none"),
    ("only a received message that failed every retry can be tried again; this one is {}", "повторно обрабатывают только полученное письмо, все попытки обработки которого не удались; это — {}"),
    ("only failed mails and mails whose delivery is unknown can be resent; this one is {}", "повторно отправляют только неотправленные письма и письма с неизвестной судьбой; это письмо — {}"),
    ("a file is larger than the limit of {} bytes; nothing was stored", "файл больше предела в {} байт; ничего не сохранено"),
    ("this file was not stored: {}", "файл не сохранён: {}"),
    ("files cannot be stored now: {}", "файлы сейчас не сохранить: {}"),
    ("object storage did not answer: {}", "хранилище объектов не ответило: {}"),
    ("a text part may hold at most {} bytes", "текстовая часть — не больше {} байт"),
    ("a submission without files is at most {} bytes", "заявка без файлов — не больше {} байт"),
    ("at most {} files", "не больше {} файлов"),
    ("is not a form submission: {}", "это не заявка формы: {}"),
    ("this website may not post to the form (its origin is not allowed)", "этому сайту нельзя отправлять форму (его origin не разрешён)"),
    ("this link to a picture is not valid", "эта ссылка на картинку неверна"),
    ("this link to a picture is not valid or has expired; reload the case", "эта ссылка на картинку неверна или устарела; обновите обращение"),
    ("the picture could not be fetched: {}", "картинку не удалось загрузить: {}"),
];

/// The messages of the sources that never reach a client (internal failures are answered
/// without their text) or are only a frame for other messages.
pub const NOT_SHOWN: &[&str] = &[
    "internal error: {}",
    "database unavailable: {}",
    "outbox event {} ({}) does not read back",
    "invalid input",
    "{}",
];

struct Template {
    parts: Vec<&'static str>,
    ru: &'static str,
}

fn catalog() -> &'static (HashMap<&'static str, &'static str>, Vec<Template>) {
    static CATALOG: OnceLock<(HashMap<&'static str, &'static str>, Vec<Template>)> =
        OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut exact = HashMap::new();
        let mut templates = Vec::new();
        for (en, ru) in RU {
            if en.contains("{}") {
                templates.push(Template {
                    parts: en.split("{}").collect(),
                    ru,
                });
            } else {
                exact.insert(*en, *ru);
            }
        }
        // The most specific (longest fixed text) first: `case #{} is already {}` before `{}: {}`.
        templates
            .sort_by_key(|t| std::cmp::Reverse(t.parts.iter().map(|p| p.len()).sum::<usize>()));
        (exact, templates)
    })
}

/// What fills the holes of `parts` in `text`, when it matches.
fn holes<'t>(parts: &[&str], text: &'t str) -> Option<Vec<&'t str>> {
    let (first, rest) = parts.split_first()?;
    let mut at = text.strip_prefix(first)?;
    let mut filled = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let last = i == rest.len() - 1;
        let end = if last {
            at.len()
                .checked_sub(part.len())
                .filter(|&e| at[e..] == **part)?
        } else if part.is_empty() {
            return None;
        } else {
            at.find(part)?
        };
        filled.push(&at[..end]);
        at = &at[end + part.len()..];
    }
    Some(filled)
}

/// `text` in Russian, when the catalog knows it.
pub fn to_russian(text: &str) -> Option<String> {
    translate(text, 3)
}

fn translate(text: &str, depth: u8) -> Option<String> {
    let (exact, templates) = catalog();
    if let Some(ru) = exact.get(text) {
        return Some((*ru).to_owned());
    }
    if depth == 0 {
        return None;
    }
    for t in templates {
        let Some(filled) = holes(&t.parts, text) else {
            continue;
        };
        let mut out = String::new();
        for (i, piece) in t.ru.split("{}").enumerate() {
            if i > 0 {
                let hole = filled.get(i - 1).copied().unwrap_or_default();
                out.push_str(&translate(hole, depth - 1).unwrap_or_else(|| hole.to_owned()));
            }
            out.push_str(piece);
        }
        return Some(out);
    }
    None
}

/// Whether the request prefers Russian: the first language of `Accept-Language` is `ru`.
fn prefers_russian(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|first| first.split(';').next().unwrap_or_default().trim())
        .is_some_and(|tag| {
            tag.eq_ignore_ascii_case("ru") || tag.to_ascii_lowercase().starts_with("ru-")
        })
}

fn localize(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(ru) = to_russian(s) {
                *s = ru;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(localize),
        Value::Object(map) => map.values_mut().for_each(localize),
        _ => {}
    }
}

/// Middleware: a problem document answered to a request preferring Russian is translated.
pub async fn problems_in_russian(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let russian = prefers_russian(&req);
    let res = next.call(req).await?.map_into_boxed_body();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !russian || !is_problem {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body).await else {
        return Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(()))));
    };
    let Ok(mut doc) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(ServiceResponse::new(
            req,
            head.set_body(BoxBody::new(bytes)),
        ));
    };
    for key in ["title", "detail", "errors"] {
        if let Some(v) = doc.get_mut(key) {
            localize(v);
        }
    }
    let out = serde_json::to_vec(&doc).unwrap_or_else(|_| bytes.to_vec());
    head.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("ru"));
    head.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(out))))
}

#[cfg(test)]
mod tests;
