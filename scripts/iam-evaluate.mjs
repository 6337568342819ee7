// iam-evaluate decides IAM requests with @cloud-copilot/iam-simulate, an
// IAM policy evaluator this project did not write (AGPL-3.0-or-later: it
// is a development dependency that the tests run as this separate
// process; nothing of it is part of the Go module or of what ecsplit
// deploys). internal/permission writes a JSON array of simulations to
// stdin:
//
//   [{"request": {"principal", "action", "resource", "resourceAccount", "context"},
//     "resourcePolicy": DOCUMENT or null,
//     "identityPolicies": [{"name", "policy"}]}]
//
// and reads a JSON array of answers, one per simulation, in order:
//
//   [{"decision": "Allowed"|"ImplicitlyDenied"|"ExplicitlyDenied"|"Error",
//     "detail": "why, for anything but Allowed"}]
//
// iam-simulate 0.1.173 drops request context keys of the form
// kms:EncryptionContext:KEY (its match of variable keys handles only
// "/"-style keys such as aws:PrincipalTag/KEY), so a key policy that
// conditions on the encryption context would always deny. The two sides are
// renamed alike, in the request and in every policy condition, to
// aws:PrincipalTag/kms-encryption-context:KEY, a global single-valued
// string key that it keeps and compares with the same operators. Any other
// key that it drops makes the answer an Error, never a silent decision.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const ENCRYPTION_CONTEXT = 'kms:encryptioncontext:'
const RENAMED = 'aws:PrincipalTag/kms-encryption-context:'

function renameKey(key) {
  return key.toLowerCase().startsWith(ENCRYPTION_CONTEXT) ? RENAMED + key.slice(ENCRYPTION_CONTEXT.length) : key
}

function renamePolicy(doc) {
  if (!doc) return doc
  const statements = [doc.Statement].flat().filter(Boolean).map((st) => {
    if (!st.Condition) return st
    const condition = {}
    for (const [op, keys] of Object.entries(st.Condition)) {
      condition[op] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [renameKey(k), v]))
    }
    return { ...st, Condition: condition }
  })
  return { ...doc, Statement: statements }
}

function stringify(v) {
  if (Array.isArray(v)) return v.map(stringify)
  if (typeof v === 'boolean' || typeof v === 'number') return String(v)
  return v
}

async function evaluate(sim) {
  const context = Object.fromEntries(Object.entries(sim.request.context || {}).map(([k, v]) => [renameKey(k), stringify(v)]))
  const response = await runSimulation(
    {
      identityPolicies: (sim.identityPolicies || []).map((p) => ({ name: p.name, policy: renamePolicy(p.policy) })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: renamePolicy(sim.resourcePolicy) || undefined,
      request: {
        principal: sim.request.principal,
        action: sim.request.action,
        resource: { resource: sim.request.resource, accountId: sim.request.resourceAccount },
        contextVariables: context,
      },
    },
    {},
  )
  if (response.resultType === 'error') {
    return { decision: 'Error', detail: JSON.stringify(response.errors) }
  }
  if (response.resultType !== 'single') {
    return { decision: 'Error', detail: `unexpected result type ${response.resultType}` }
  }
  const ignored = response.result.ignoredContextKeys || []
  if (ignored.length > 0) {
    return { decision: 'Error', detail: `the evaluator ignored context keys ${ignored.join(', ')}` }
  }
  const decision = response.overallResult
  if (decision === 'Allowed') return { decision }
  return { decision, detail: explain(response.result.analysis) }
}

// explain says, for a denied request, which statements were looked at and
// why none allowed it (or which one denied it).
function explain(analysis) {
  const parts = [`identity ${analysis?.identityAnalysis?.result}`, `resource ${analysis?.resourceAnalysis?.result}`]
  for (const side of ['identityAnalysis', 'resourceAnalysis']) {
    const a = analysis?.[side]
    for (const st of a?.denyStatements || []) parts.push(`${side} denies: ${JSON.stringify(st.statement)}`)
    for (const st of a?.unmatchedStatements || []) {
      const why = []
      if (st.principalMatch && st.principalMatch !== 'Match') why.push(`principal ${st.principalMatch}`)
      if (!st.actionMatch) why.push('action')
      if (!st.resourceMatch) why.push('resource')
      if (st.conditionMatch && st.conditionMatch !== 'Match') why.push(`condition ${st.conditionMatch}`)
      if (st.statement?.Effect === 'Allow' && st.actionMatch) {
        parts.push(`${side} ${st.statement.Sid || 'statement'} does not match: ${why.join(', ')}`)
      }
    }
  }
  return parts.join('; ')
}

let input = ''
process.stdin.setEncoding('utf8')
for await (const chunk of process.stdin) input += chunk
const sims = JSON.parse(input)
const out = []
for (const sim of sims) {
  try {
    out.push(await evaluate(sim))
  } catch (e) {
    out.push({ decision: 'Error', detail: String(e?.stack || e) })
  }
}
process.stdout.write(JSON.stringify(out))
