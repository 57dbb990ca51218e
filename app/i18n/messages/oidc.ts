// Company sign-in (OpenID Connect): the sign-in page's buttons, refusals, signing out, signing approvals at the provider.
const en: Record<string, string> = {
  "oidc.signInWith": "Sign in with {provider}",
  "oidc.orPortalAccount": "or with a portal account:",
  "oidc.theProvider": "your company sign-in",
  "oidc.signedOut.provider": "You are signed out of the portal and of your company sign-in.",
  "oidc.signedOut.portalOnly":
    "You are signed out of the portal. Your session at {provider} may still be open: on a shared computer, sign out there too or close the browser.",
  "oidc.sign.hint": "Approving takes you to {provider} to sign in again. Your comment is kept here, and the approval is recorded only when you come back signed in.",
  "oidc.err.unknown-provider": "This sign-in service is not set up in the portal.",
  "oidc.err.unreachable":
    "{provider} cannot be reached right now, so nothing was done. Try again in a few minutes; administrators can still sign in with a portal account.",
  "oidc.err.expired": "This sign-in attempt expired or was already used. Start again.",
  "oidc.err.denied": "{provider} did not sign you in (cancelled or refused there). Nothing was done.",
  "oidc.err.invalid": "The answer from {provider} could not be verified, so you were not signed in. If this happens again, tell IT.",
  "oidc.err.token-expired": "The answer from {provider} had already expired (its clock may be wrong), so you were not signed in. Try again; if it happens again, tell IT.",
  "oidc.err.clock": "The clock of {provider} differs from the portal's by more than {seconds} seconds, so its answer cannot be trusted. Ask IT to check the time settings.",
  "oidc.err.domain": "Your email address is not one of the company domains allowed to sign in here.",
  "oidc.err.disabled": "Your portal account is disabled. Ask the document controller if you need access again.",
  "oidc.err.email-in-use":
    "Another portal account already uses your email address, so no account was created for you. Ask the document controller to sort it out.",
  "oidc.err.subject-changed":
    "{provider} now names you differently than the account that uses your email address. For safety the accounts were not merged; ask the document controller.",
  "oidc.err.claims": "{provider} sent information the portal cannot use (a missing or overly long value). Ask IT to check your directory entry.",
  "oidc.err.username-taken": "No user name could be chosen for you: the names you would get are already in use. Ask the document controller.",
  "oidc.err.no-department": "{provider} did not say which department you belong to, and the portal has no default department for it. Ask IT.",
  "oidc.err.session": "You signed out or in again while signing; the approval was not recorded. Approve again.",
  "oidc.err.other-person": "{provider} signed in a different person than the one signed in here, so the approval was not recorded.",
  "oidc.err.not-fresh": "{provider} did not ask you to sign in again just now, so this cannot count as your signature. Nothing was recorded; try again.",
};

const zh: Record<string, string> = {
  "oidc.signInWith": "使用 {provider} 登录",
  "oidc.orPortalAccount": "或使用门户账号登录：",
  "oidc.theProvider": "公司统一登录",
  "oidc.signedOut.provider": "您已退出门户及公司统一登录。",
  "oidc.signedOut.portalOnly": "您已退出门户。您在 {provider} 的登录可能仍然有效：如使用公用电脑，请同时在该处退出或关闭浏览器。",
  "oidc.sign.hint": "审批时将转到 {provider} 重新登录。您的意见会保留在此，只有在您登录返回后审批才会被记录。",
  "oidc.err.unknown-provider": "门户未配置该登录服务。",
  "oidc.err.unreachable": "暂时无法连接 {provider}，未执行任何操作。请几分钟后重试；管理员仍可使用门户账号登录。",
  "oidc.err.expired": "本次登录已过期或已被使用，请重新开始。",
  "oidc.err.denied": "{provider} 未让您登录（已在该处取消或被拒绝），未执行任何操作。",
  "oidc.err.invalid": "无法验证 {provider} 的应答，您未被登录。如再次出现，请告知 IT 部门。",
  "oidc.err.token-expired": "{provider} 的应答已过期（其时钟可能有误），您未被登录。请重试；如再次出现，请告知 IT 部门。",
  "oidc.err.clock": "{provider} 的时钟与门户相差超过 {seconds} 秒，其应答不可信。请联系 IT 部门检查时间设置。",
  "oidc.err.domain": "您的邮箱地址不属于允许在此登录的公司域名。",
  "oidc.err.disabled": "您的门户账号已停用。如需恢复访问，请联系文控人员。",
  "oidc.err.email-in-use": "已有其他门户账号使用您的邮箱地址，因此未为您创建账号。请联系文控人员处理。",
  "oidc.err.subject-changed": "{provider} 对您的标识与使用该邮箱的账号不一致。为安全起见账号未被合并，请联系文控人员。",
  "oidc.err.claims": "{provider} 发送的信息门户无法使用（缺少某项或内容过长）。请联系 IT 部门检查您的目录信息。",
  "oidc.err.username-taken": "无法为您确定用户名：可用的名称均已被占用。请联系文控人员。",
  "oidc.err.no-department": "{provider} 未提供您所属的部门，门户也未为其设置默认部门。请联系 IT 部门。",
  "oidc.err.session": "签署期间您已退出或重新登录，审批未被记录。请重新审批。",
  "oidc.err.other-person": "{provider} 登录的是另一个人，与此处登录的账号不符，审批未被记录。",
  "oidc.err.not-fresh": "{provider} 刚才没有要求您重新登录，因此不能作为您的签名。未记录任何内容，请重试。",
};

export default { en, "zh-CN": zh };
