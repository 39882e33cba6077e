// One hand-checked schema for both backends (SQLite's print-schema would say Integer for BIGINT
// ids). The drift test in tests/ compares it with what the migrations create.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name -> Text,
        short_name -> Nullable<Text>,
        inn -> Nullable<Text>,
        kpp -> Nullable<Text>,
        org_type -> Nullable<Text>,
        industry -> Nullable<Text>,
        website -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        addresses -> Text,
        parent_id -> Nullable<BigInt>,
        owner_id -> Nullable<BigInt>,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        from_lead_id -> Nullable<BigInt>,
        merged_into_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        first_name -> Text,
        last_name -> Text,
        organization_id -> Nullable<BigInt>,
        title -> Nullable<Text>,
        department -> Nullable<Text>,
        phones -> Text,
        do_not_email -> Bool,
        do_not_call -> Bool,
        owner_id -> Nullable<BigInt>,
        portal_access -> Bool,
        portal_sees_organization -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        from_lead_id -> Nullable<BigInt>,
        merged_into_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    contact_emails (id) {
        id -> BigInt,
        contact_id -> BigInt,
        email -> Text,
        position -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        support_line -> Nullable<Integer>,
        language -> Text,
        contact_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        auto_follow -> Bool,
        notification_settings -> Text,
        available -> Bool,
    }
}

diesel::table! {
    teams (id) {
        id -> BigInt,
        name -> Text,
        support_line -> Nullable<Integer>,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        assignment -> Text,
    }
}

diesel::table! {
    team_members (team_id, user_id) {
        team_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    components (id) {
        id -> BigInt,
        product_id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contracts (id) {
        id -> BigInt,
        organization_id -> BigInt,
        product_id -> BigInt,
        number -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        number -> BigInt,
        subject -> Text,
        description -> Text,
        status -> Text,
        priority -> Text,
        case_type -> Text,
        channel -> Text,
        organization_id -> Nullable<BigInt>,
        customer_id -> Nullable<BigInt>,
        requester_id -> Nullable<BigInt>,
        product_id -> Nullable<BigInt>,
        component_id -> Nullable<BigInt>,
        support_line -> Integer,
        team_id -> Nullable<BigInt>,
        assignee_id -> Nullable<BigInt>,
        system_info -> Nullable<Text>,
        tags -> Text,
        created_by_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        resolution -> Nullable<Text>,
        merged_into_id -> Nullable<BigInt>,
        follow_up_of_id -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        mailbox_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    case_followers (case_id, user_id) {
        case_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_contacts (case_id, contact_id) {
        case_id -> BigInt,
        contact_id -> BigInt,
    }
}

diesel::table! {
    stream_entries (id) {
        id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        author_user_id -> Nullable<BigInt>,
        author_contact_id -> Nullable<BigInt>,
        body -> Text,
        created_at -> Timestamp,
        email_from -> Nullable<Text>,
        email_message_id -> Nullable<Text>,
        thread_rule -> Nullable<Text>,
        body_html -> Nullable<Text>,
        events -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        case_id -> BigInt,
        entry_id -> Nullable<BigInt>,
        sha256 -> Text,
        size -> BigInt,
        filename -> Text,
        content_type -> Text,
        uploaded_by_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        refused -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        event_id -> BigInt,
        kind -> Text,
        case_id -> Nullable<BigInt>,
        entry_id -> Nullable<BigInt>,
        actor_user_id -> Nullable<BigInt>,
        title -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        event_id -> BigInt,
        recipient -> Text,
        kind -> Text,
        case_id -> Nullable<BigInt>,
        subject -> Text,
        body -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        from_address -> Nullable<Text>,
        in_reply_to -> Nullable<Text>,
        references_header -> Nullable<Text>,
        auto_submitted -> Text,
        mailbox_id -> Nullable<BigInt>,
        attachment_ids -> Text,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mailboxes (id) {
        id -> BigInt,
        name -> Text,
        address -> Text,
        imap_host -> Nullable<Text>,
        imap_port -> Nullable<Integer>,
        imap_tls -> Text,
        imap_user -> Nullable<Text>,
        imap_password_enc -> Nullable<Text>,
        imap_folder -> Text,
        processed_folder -> Nullable<Text>,
        smtp_host -> Nullable<Text>,
        smtp_port -> Nullable<Integer>,
        smtp_tls -> Text,
        smtp_user -> Nullable<Text>,
        smtp_password_enc -> Nullable<Text>,
        default_team_id -> Nullable<BigInt>,
        default_priority -> Text,
        auto_reply -> Bool,
        auto_reply_en -> Nullable<Text>,
        auto_reply_ru -> Nullable<Text>,
        language -> Text,
        trust_organization_domain -> Bool,
        inbound_token_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mailbox_imap_state (mailbox_id) {
        mailbox_id -> BigInt,
        uidvalidity -> BigInt,
        last_uid -> BigInt,
        polled_at -> Timestamp,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    inbound_messages (id) {
        id -> BigInt,
        mailbox_id -> Nullable<BigInt>,
        message_id -> Text,
        raw_sha256 -> Text,
        size -> BigInt,
        source -> Text,
        from_address -> Nullable<Text>,
        subject -> Nullable<Text>,
        status -> Text,
        case_id -> Nullable<BigInt>,
        entry_id -> Nullable<BigInt>,
        thread_rule -> Nullable<Text>,
        note -> Nullable<Text>,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    case_message_ids (message_id) {
        message_id -> Text,
        case_id -> BigInt,
        entry_id -> Nullable<BigInt>,
        direction -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_entries (id) {
        id -> BigInt,
        entity_type -> Text,
        entity_id -> BigInt,
        field -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        actor_user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        event_type -> Text,
        aggregate_type -> Text,
        aggregate_id -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttles (key) {
        key -> Text,
        failures -> Integer,
        next_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    two_factor (user_id) {
        user_id -> BigInt,
        secret -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> BigInt,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sso_logins (state) {
        state -> Text,
        nonce -> Text,
        verifier -> Text,
        return_to -> Text,
        created_at -> Timestamp,
        user_id -> Nullable<BigInt>,
        handoff_hash -> Nullable<Text>,
        signed_in_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    security_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        kind -> Text,
        user_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        email -> Nullable<Text>,
        ip -> Text,
        user_agent -> Text,
        reason -> Nullable<Text>,
        session_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    calendars (id) {
        id -> BigInt,
        name -> Text,
        time_zone -> Text,
        week -> Text,
        holidays -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sla_policies (id) {
        id -> BigInt,
        name -> Text,
        position -> Integer,
        active -> Bool,
        calendar_id -> Nullable<BigInt>,
        conditions -> Text,
        targets -> Text,
        warn_percent -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_sla (case_id) {
        case_id -> BigInt,
        policy_id -> BigInt,
        clocks -> Text,
        due_at -> Nullable<Timestamp>,
        breached -> Bool,
        fired -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        case_id -> Nullable<BigInt>,
        key -> Text,
        run_at -> Timestamp,
        status -> Text,
        created_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
        attempts -> Integer,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    team_rotation (team_id) {
        team_id -> BigInt,
        last_user_id -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    workflow_rules (id) {
        id -> BigInt,
        name -> Text,
        position -> Integer,
        active -> Bool,
        trigger_on -> Text,
        match_all -> Bool,
        conditions -> Text,
        actions -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        after_minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    crm_imports (id) {
        id -> BigInt,
        entity_type -> Text,
        status -> Text,
        dry_run -> Bool,
        on_duplicate -> Text,
        options -> Text,
        filename -> Text,
        sha256 -> Text,
        total_rows -> BigInt,
        processed_rows -> BigInt,
        created_count -> BigInt,
        updated_count -> BigInt,
        skipped_count -> BigInt,
        failed_count -> BigInt,
        report -> Text,
        error -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_by_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    kb_attachments (id) {
        id -> BigInt,
        article_id -> BigInt,
        sha256 -> Text,
        size -> BigInt,
        filename -> Text,
        content_type -> Text,
        uploaded_by_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(contacts -> organizations (organization_id));
diesel::joinable!(case_sla -> cases (case_id));
diesel::joinable!(sla_policies -> calendars (calendar_id));
diesel::joinable!(contact_emails -> contacts (contact_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (user_id));
diesel::joinable!(components -> products (product_id));
diesel::joinable!(contracts -> organizations (organization_id));
diesel::joinable!(contracts -> products (product_id));
diesel::joinable!(case_contacts -> cases (case_id));
diesel::joinable!(case_followers -> cases (case_id));
diesel::joinable!(case_followers -> users (user_id));
diesel::joinable!(case_contacts -> contacts (contact_id));
diesel::joinable!(stream_entries -> cases (case_id));
diesel::joinable!(cases -> teams (team_id));

diesel::joinable!(attachments -> cases (case_id));
diesel::joinable!(notifications -> users (user_id));

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        url -> Text,
        description -> Text,
        secret -> Text,
        event_types -> Text,
        include_internal -> Bool,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        probe_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        event_id -> Nullable<BigInt>,
        event_type -> Text,
        ordering_key -> Text,
        message_id -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_latency_ms -> Nullable<Integer>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        latency_ms -> Integer,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        principal -> Text,
        idem_key -> Text,
        fingerprint -> Text,
        status_code -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    web_forms (id) {
        id -> BigInt,
        form_key -> Text,
        name -> Text,
        allowed_origins -> Text,
        team_id -> Nullable<BigInt>,
        priority -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    registry_cache (inn) {
        inn -> Text,
        payload -> Text,
        fetched_at -> Timestamp,
    }
}

diesel::table! {
    leads (id) {
        id -> BigInt,
        number -> BigInt,
        first_name -> Nullable<Text>,
        last_name -> Text,
        organization_name -> Nullable<Text>,
        title -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        website -> Nullable<Text>,
        source -> Nullable<Text>,
        status -> Text,
        rating -> Nullable<Text>,
        industry -> Nullable<Text>,
        annual_revenue -> Nullable<BigInt>,
        employees -> Nullable<Integer>,
        social_profiles -> Text,
        do_not_email -> Bool,
        address -> Nullable<Text>,
        description -> Nullable<Text>,
        owner_id -> Nullable<BigInt>,
        created_by_id -> Nullable<BigInt>,
        converted_organization_id -> Nullable<BigInt>,
        converted_contact_id -> Nullable<BigInt>,
        converted_case_id -> Nullable<BigInt>,
        converted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        merged_into_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        entity_type -> Text,
        entity_id -> BigInt,
        author_id -> Nullable<BigInt>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    kb_categories (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        name -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kb_articles (id) {
        id -> BigInt,
        category_id -> Nullable<BigInt>,
        title -> Text,
        body_md -> Text,
        body_html -> Text,
        language -> Text,
        status -> Text,
        visibility -> Text,
        tags -> Text,
        author_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_articles (case_id, article_id) {
        case_id -> BigInt,
        article_id -> BigInt,
        linked_by_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(case_articles -> kb_articles (article_id));

diesel::table! {
    portal_invitations (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        invited_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        ip -> Text,
        user_agent -> Text,
        sso -> Bool,
    }
}

diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    rate_limits (key, window_start) {
        key -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    rate_limits,
    sessions,
    portal_invitations,
    kb_categories,
    kb_articles,
    case_articles,
    leads,
    comments,
    registry_cache,
    web_forms,
    idempotency_keys,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
    workflow_rules,
    team_rotation,
    calendars,
    sla_policies,
    case_sla,
    jobs,
    mailboxes,
    mailbox_imap_state,
    inbound_messages,
    case_message_ids,
    attachments,
    notifications,
    mail_outbox,
    audit_entries,
    case_followers,
    settings,
    organizations,
    contacts,
    contact_emails,
    users,
    teams,
    team_members,
    products,
    components,
    contracts,
    cases,
    case_contacts,
    stream_entries,
    events,
    refresh_tokens,
    api_tokens,
    login_throttles,
    security_events,
    password_resets,
    two_factor,
    recovery_codes,
    sso_logins,
    user_identities,
);
