//! The Helix side of EventSub in the stand-in: Create/Get/Delete EventSub Subscription and the
//! conduit operations, answered from the [`Registry`] instead of the reference examples.

use serde_json::{Value, json};

use super::hub::{Hub, now_rfc3339};
use super::registry::{
    MAX_APP_COST, MAX_CONDUITS, MAX_SHARDS, MAX_WEBSOCKET_COST, Refusal, Registry, Subscription,
    Transport,
};
use crate::mock::log::ReceivedRequest;

/// Who is asking: the client and, for user tokens, the user id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub client_id: &'a str,
    pub user_id: Option<&'a str>,
}

/// A Helix answer: status and JSON body (`None`: no body).
pub(crate) type HelixAnswer = (u16, Option<Value>);

/// Answers `operation` when it is one of EventSub's; `None` for every other operation.
pub(crate) fn answer(
    hub: &Hub,
    operation: &str,
    request: &ReceivedRequest,
    body: Option<&Value>,
    caller: Caller<'_>,
) -> Option<HelixAnswer> {
    let empty = Value::Null;
    let body = body.unwrap_or(&empty);
    let result = match operation {
        "create-eventsub-subscription" => create_subscription(hub, body, caller),
        "get-eventsub-subscriptions" => Ok(list_subscriptions(hub, request, caller)),
        "delete-eventsub-subscription" => delete_subscription(hub, request, caller),
        "create-conduits" => create_conduit(hub, body, caller),
        "get-conduits" => Ok(list_conduits(hub, caller)),
        "update-conduits" => update_conduit(hub, body, caller),
        "delete-conduit" => delete_conduit(hub, request, caller),
        "get-conduit-shards" => get_shards(hub, request, caller),
        "update-conduit-shards" => update_shards(hub, body, caller),
        _ => return None,
    };
    Some(result.unwrap_or_else(|(status, message)| (status, Some(error(status, &message)))))
}

fn error(status: u16, message: &str) -> Value {
    crate::mock::reply::error_body(status, message)
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn totals_body(registry: &Registry, caller: Caller<'_>, data: Vec<Value>) -> Value {
    let (_, total_cost) = registry.totals(caller.client_id, caller.user_id);
    let total = registry.owned(caller.client_id, caller.user_id).count();
    let max = if caller.user_id.is_some() {
        MAX_WEBSOCKET_COST
    } else {
        MAX_APP_COST
    };
    json!({"data": data, "total": total, "total_cost": total_cost, "max_total_cost": max})
}

fn create_subscription(
    hub: &Hub,
    body: &Value,
    caller: Caller<'_>,
) -> Result<HelixAnswer, Refusal> {
    let (Some(r#type), Some(version)) = (text(body, "type"), text(body, "version")) else {
        return Err((400, "type and version are required".to_owned()));
    };
    let condition = match body.get("condition") {
        Some(c @ Value::Object(_)) => c.clone(),
        _ => return Err((400, "condition must be an object".to_owned())),
    };
    let transport = body.get("transport").unwrap_or(&Value::Null);
    let mut registry = hub.lock();
    let transport = registry.check_transport(transport, caller.client_id, caller.user_id)?;
    let cost = Registry::cost_of(&condition, caller.user_id);
    let webhook = matches!(transport, Transport::Webhook { .. });
    let status = if webhook {
        super::webhook::PENDING
    } else {
        "enabled"
    };
    let sub = Subscription {
        id: registry.new_id(),
        r#type: r#type.to_owned(),
        version: version.to_owned(),
        status: status.to_owned(),
        cost,
        condition,
        transport: transport.clone(),
        created_at: now_rfc3339(),
        client_id: caller.client_id.to_owned(),
        user_id: caller.user_id.map(str::to_owned),
    };
    if registry.duplicate(&sub) {
        return Err((409, "subscription already exists".to_owned()));
    }
    registry.check_limits(&transport, caller.client_id, caller.user_id, cost)?;
    if let Transport::WebSocket { session_id } = &transport {
        if let Some(session) = registry.sessions.get_mut(session_id) {
            session.used = true;
        }
    }
    let shown = sub.to_json(&registry);
    if webhook {
        hub.webhooks.challenge(hub, &sub, shown.clone());
    }
    registry.subscriptions.push(sub);
    Ok((202, Some(totals_body(&registry, caller, vec![shown]))))
}

fn list_subscriptions(hub: &Hub, request: &ReceivedRequest, caller: Caller<'_>) -> HelixAnswer {
    let registry = hub.lock();
    let filter = |name| request.query_value(name).filter(|v| !v.is_empty());
    let (status, r#type, user, id) = (
        filter("status"),
        filter("type"),
        filter("user_id"),
        filter("subscription_id"),
    );
    let data = registry
        .owned(caller.client_id, caller.user_id)
        .filter(|s| status.is_none_or(|v| s.status == v))
        .filter(|s| r#type.is_none_or(|v| s.r#type == v))
        .filter(|s| id.is_none_or(|v| s.id == v))
        .filter(|s| {
            user.is_none_or(|v| {
                s.condition
                    .as_object()
                    .is_some_and(|c| c.values().any(|x| x.as_str() == Some(v)))
            })
        })
        .map(|s| s.to_json(&registry))
        .collect();
    let mut body = totals_body(&registry, caller, data);
    body["pagination"] = json!({});
    (200, Some(body))
}

fn delete_subscription(
    hub: &Hub,
    request: &ReceivedRequest,
    caller: Caller<'_>,
) -> Result<HelixAnswer, Refusal> {
    let id = request.query_value("id").unwrap_or_default();
    let mut registry = hub.lock();
    let before = registry.subscriptions.len();
    registry
        .subscriptions
        .retain(|s| !(s.id == id && s.client_id == caller.client_id));
    if registry.subscriptions.len() == before {
        return Err((404, "subscription not found".to_owned()));
    }
    Ok((204, None))
}

fn conduit_json(registry: &Registry, index: usize) -> Value {
    let conduit = &registry.conduits[index];
    json!({"id": conduit.id, "shard_count": conduit.shards.len()})
}

fn shard_count(body: &Value) -> Result<usize, Refusal> {
    match body.get("shard_count").and_then(Value::as_u64) {
        Some(n) if (1..=MAX_SHARDS).contains(&n) => Ok(n as usize),
        _ => Err((400, format!("shard_count must be 1 to {MAX_SHARDS}"))),
    }
}

fn create_conduit(hub: &Hub, body: &Value, caller: Caller<'_>) -> Result<HelixAnswer, Refusal> {
    let count = shard_count(body)?;
    let mut registry = hub.lock();
    let owned = registry
        .conduits
        .iter()
        .filter(|c| c.client_id == caller.client_id)
        .count();
    if owned >= MAX_CONDUITS {
        return Err((429, "conduit limit reached".to_owned()));
    }
    let id = registry.new_id();
    registry.conduits.push(super::registry::Conduit {
        id,
        client_id: caller.client_id.to_owned(),
        shards: vec![None; count],
    });
    let shown = conduit_json(&registry, registry.conduits.len() - 1);
    Ok((200, Some(json!({"data": [shown]}))))
}

fn list_conduits(hub: &Hub, caller: Caller<'_>) -> HelixAnswer {
    let registry = hub.lock();
    let data: Vec<Value> = (0..registry.conduits.len())
        .filter(|&n| registry.conduits[n].client_id == caller.client_id)
        .map(|n| conduit_json(&registry, n))
        .collect();
    (200, Some(json!({"data": data})))
}

fn find_conduit(registry: &Registry, id: &str, caller: Caller<'_>) -> Result<usize, Refusal> {
    registry
        .conduits
        .iter()
        .position(|c| c.id == id && c.client_id == caller.client_id)
        .ok_or((404, "conduit not found".to_owned()))
}

fn update_conduit(hub: &Hub, body: &Value, caller: Caller<'_>) -> Result<HelixAnswer, Refusal> {
    let count = shard_count(body)?;
    let mut registry = hub.lock();
    let index = find_conduit(&registry, text(body, "id").unwrap_or(""), caller)?;
    registry.conduits[index].shards.resize(count, None);
    let shown = conduit_json(&registry, index);
    Ok((200, Some(json!({"data": [shown]}))))
}

fn delete_conduit(
    hub: &Hub,
    request: &ReceivedRequest,
    caller: Caller<'_>,
) -> Result<HelixAnswer, Refusal> {
    let id = request.query_value("id").unwrap_or_default().to_owned();
    let mut registry = hub.lock();
    let index = find_conduit(&registry, &id, caller)?;
    registry.conduits.remove(index);
    let gone = Transport::Conduit { conduit_id: id };
    registry.subscriptions.retain(|s| s.transport != gone);
    Ok((204, None))
}

fn shard_json(registry: &Registry, id: usize, shard: Option<&Transport>) -> Value {
    let transport = match shard {
        Some(t) => t.to_json(registry),
        None => json!({"method": "websocket", "session_id": ""}),
    };
    json!({"id": id.to_string(), "status": registry.shard_status(shard), "transport": transport})
}

fn get_shards(
    hub: &Hub,
    request: &ReceivedRequest,
    caller: Caller<'_>,
) -> Result<HelixAnswer, Refusal> {
    let registry = hub.lock();
    let id = request.query_value("conduit_id").unwrap_or_default();
    let index = find_conduit(&registry, id, caller)?;
    let status = request.query_value("status").filter(|s| !s.is_empty());
    let data: Vec<Value> = registry.conduits[index]
        .shards
        .iter()
        .enumerate()
        .filter(|(_, shard)| status.is_none_or(|s| registry.shard_status(shard.as_ref()) == s))
        .map(|(n, shard)| shard_json(&registry, n, shard.as_ref()))
        .collect();
    Ok((200, Some(json!({"data": data, "pagination": {}}))))
}

fn update_shards(hub: &Hub, body: &Value, caller: Caller<'_>) -> Result<HelixAnswer, Refusal> {
    let mut registry = hub.lock();
    let index = find_conduit(&registry, text(body, "conduit_id").unwrap_or(""), caller)?;
    let asked = body.get("shards").and_then(Value::as_array).cloned();
    let Some(asked) = asked.filter(|a| !a.is_empty()) else {
        return Err((400, "shards must be a non-empty array".to_owned()));
    };
    let (mut data, mut errors) = (Vec::new(), Vec::new());
    for shard in &asked {
        let id = text(shard, "id").unwrap_or("");
        let fail = |message: &str, code: &str| json!({"id": id, "message": message, "code": code});
        let Some(n) = id
            .parse::<usize>()
            .ok()
            .filter(|&n| n < registry.conduits[index].shards.len())
        else {
            errors.push(fail("shard id out of range", "invalid_parameter"));
            continue;
        };
        let transport = shard.get("transport").unwrap_or(&Value::Null);
        let method = text(transport, "method");
        let session_id = text(transport, "session_id");
        let live = session_id
            .is_some_and(|id| registry.sessions.get(id).is_some_and(|s| s.link.is_some()));
        match (method, session_id) {
            (Some("websocket"), Some(session_id)) if live => {
                if let Some(session) = registry.sessions.get_mut(session_id) {
                    session.used = true;
                }
                let transport = Transport::WebSocket {
                    session_id: session_id.to_owned(),
                };
                registry.conduits[index].shards[n] = Some(transport.clone());
                data.push(shard_json(&registry, n, Some(&transport)));
            }
            (Some("websocket"), _) => errors.push(fail(
                "websocket session not found",
                "websocket_session_not_found",
            )),
            _ => errors.push(fail(
                "the stand-in serves websocket shards only",
                "invalid_parameter",
            )),
        }
    }
    Ok((202, Some(json!({"data": data, "errors": errors}))))
}
