package alb

// CertificateArnFormat is the form of the ARN that Props.CertificateArn
// takes, as the messages name it.
const CertificateArnFormat = "arn:aws:acm:REGION:ACCOUNT:certificate/ID"

// ValidCertificateArn reports whether arn is an ACM certificate ARN that New
// accepts as Props.CertificateArn (CertificateArnFormat, in any AWS
// partition): the check New applies to a value that is not a token, so
// that an app can reject a bad value where it reads it, naming its own
// source of the value.
func ValidCertificateArn(arn string) bool { return certificateArnRE.MatchString(arn) }
