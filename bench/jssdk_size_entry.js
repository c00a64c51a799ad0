export * from "amazon-cognito-identity-js";
