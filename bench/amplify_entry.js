// Amplify v6 (aws-amplify, pinned in package.json) for the bench lab page: configure, sign in
// (USER_SRP_AUTH, its default) and sign out, as an app calls them.
import { Amplify } from "aws-amplify";
import { signIn, signOut } from "aws-amplify/auth";

globalThis.AmplifyBench = { Amplify, signIn, signOut };
