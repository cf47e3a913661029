//! Table definitions. They name no schema: `public` tables are found through the default
//! `search_path`, tenant tables through the `SET LOCAL search_path` of each tenant transaction.

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Bytea,
        scopes -> Array<Text>,
        all_orgs -> Bool,
        orgs -> Array<Text>,
        created_at -> Timestamptz,
        grants -> Array<Text>,
        public -> Bool,
        redirect_uris -> Array<Text>,
        id_token_alg -> Text,
        post_logout_redirect_uris -> Array<Text>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        private_pkcs8 -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    credentials (id) {
        id -> Uuid,
        username -> Text,
        enabled -> Bool,
        require2fa -> Bool,
        crm -> Text,
        customer_id -> Nullable<Text>,
        msisdn -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_login_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        email_verified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    security_tokens (id) {
        id -> Uuid,
        subject -> Text,
        purpose -> Text,
        secret_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        proves_email -> Bool,
    }
}

diesel::table! {
    totp_secrets (credential_id) {
        credential_id -> Uuid,
        active_secret -> Nullable<Bytea>,
        activated_at -> Nullable<Timestamptz>,
        pending_secret -> Nullable<Bytea>,
        pending_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    revoked_access_tokens (jti) {
        jti -> Uuid,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    devices (id) {
        id -> Uuid,
        credential_id -> Uuid,
        user_agent -> Text,
        alias -> Text,
        secret_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        amr -> Text,
        auth_time -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        device_id -> Uuid,
        credential_id -> Uuid,
        client_id -> Text,
        secret_hash -> Bytea,
        scope -> Text,
        auth_time -> BigInt,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(refresh_tokens -> devices (device_id));
diesel::allow_tables_to_appear_in_same_query!(devices, refresh_tokens);
