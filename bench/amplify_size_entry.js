// Size reference: what an app that signs in with Amplify v6 ships (configure + signIn).
export { Amplify } from "aws-amplify";
export { signIn } from "aws-amplify/auth";
