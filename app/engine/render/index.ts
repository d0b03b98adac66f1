// Message templates: the variable table, validation, and rendering for email and SMS.
// Free of server-only code, so the admin UI can validate and preview in the browser.
export {
  TEMPLATE_VARIABLES,
  SAMPLE_RENDER_CONTEXT,
  previewRenderContext,
  findTemplateVariable,
  variableValue,
  singleLine,
  type RenderContext,
  type SmsRenderContext,
  type TemplateChannel,
  type TemplateVariable,
  type TemplateVariableName,
} from "./variables";
export {
  parseTemplate,
  validateTemplate,
  templateFieldErrors,
  SMS_BODY_MAX_CHARS,
  EMAIL_SUBJECT_MAX_CHARS,
  EMAIL_BODY_MAX_CHARS,
  type ParsedTemplate,
  type TemplatePart,
  type TemplateInput,
  type TemplateFieldError,
} from "./template";
export {
  renderEmail,
  escapeHtml,
  isSafeLink,
  REVIEW_BUTTON_LABEL,
  type EmailTemplateSource,
  type RenderedEmail,
} from "./render-email";
export { renderSms, startsWithBrand, SMS_OPT_OUT_LINE, type RenderSmsOptions, type RenderedSms, type SmsTemplateSource } from "./render-sms";
export { smsSegments, isGsm7, SMS_LIMITS, type SmsEncoding, type SmsSegmentInfo } from "./sms-segments";
