// The reference SDK as the bench pages use it: bundled with esbuild into bench/out/jssdk.js
// (global AmazonCognitoIdentity). Buffer and Sha256 are the very modules CognitoUser uses
// to sign PASSWORD_CLAIM_SIGNATURE, so the bench can replay its client maths exactly.
export * from "amazon-cognito-identity-js";
export { default as BigInteger } from "amazon-cognito-identity-js/es/BigInteger";
export { Buffer } from "buffer";
export { Sha256 } from "@aws-crypto/sha256-js";
