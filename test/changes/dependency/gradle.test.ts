import { describe, expect, test } from 'vitest';
import { failureOf } from '../../support/failure-of.js';
import { edited, runTransform } from './run-transform.js';

const catalog = `[versions]
jackson = "2.15.2"
kotlin = "1.9.22"
spring-boot = "3.2.1" # keep in step with the BOM

[libraries]
jackson-databind = { module = "com.fasterxml.jackson.core:jackson-databind", version.ref = "jackson" }
jackson-kotlin = { group = "com.fasterxml.jackson.module", name = "jackson-module-kotlin", version.ref = "jackson" }
guava = { module = "com.google.guava:guava", version = "32.1.3-jre" }
slf4j-api = "org.slf4j:slf4j-api:2.0.9"

[plugins]
spring-boot = { id = "org.springframework.boot", version.ref = "spring-boot" }
ktlint = { id = "org.jlleitschuh.gradle.ktlint", version = "12.0.3" }
`;

const kts = `plugins {
    id("org.springframework.boot") version "3.2.1"
    kotlin("jvm") version "1.9.22"
}

dependencies {
    implementation("com.google.guava:guava:32.1.3-jre")
    // implementation("com.google.guava:guava:31.0-jre")
    testImplementation("org.junit.jupiter:junit-jupiter:5.10.1")
    implementation(group = "org.slf4j", name = "slf4j-api", version = "2.0.9")
    runtimeOnly("com.google.guava:guava:$guavaVersion")
}
`;

const groovy = `plugins {
    id 'org.springframework.boot' version '3.2.1'
}
repositories { maven { url 'https://repo.acme.dev/maven' } }
dependencies {
    implementation 'com.google.guava:guava:32.1.3-jre@jar'
    implementation group: 'org.slf4j', name: 'slf4j-api', version: '2.0.9'
    /* implementation 'org.slf4j:slf4j-api:1.7.0' */
}
`;

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return runTransform('gradle', files, { package: 'com.google.guava:guava', version: '33.0.0-jre', ...options });
}

describe('Gradle version catalogs', () => {
  test('version.ref is set in [versions], once, for every library that shares it', async () => {
    const outcome = await bump({ 'gradle/libs.versions.toml': catalog }, { package: 'com.fasterxml.jackson.core:jackson-databind', version: '2.16.1' });
    expect(edited(outcome, 'gradle/libs.versions.toml')).toBe(catalog.replace('jackson = "2.15.2"', 'jackson = "2.16.1"'));
    expect(outcome.changed).toEqual(['gradle/libs.versions.toml (versions.jackson (libraries); was 2.15.2)']);
  });

  test('group/name tables, literal versions, "g:a:v" strings and plugins by id', async () => {
    const kotlinModule = await bump({ 'gradle/libs.versions.toml': catalog }, { package: 'com.fasterxml.jackson.module:jackson-module-kotlin', version: '2.16.1' });
    expect(edited(kotlinModule, 'gradle/libs.versions.toml')).toContain('jackson = "2.16.1"');
    const guava = await bump({ 'gradle/libs.versions.toml': catalog });
    expect(edited(guava, 'gradle/libs.versions.toml')).toBe(catalog.replace('version = "32.1.3-jre"', 'version = "33.0.0-jre"'));
    const slf4j = await bump({ 'gradle/libs.versions.toml': catalog }, { package: 'org.slf4j:slf4j-api', version: '2.0.11' });
    expect(edited(slf4j, 'gradle/libs.versions.toml')).toContain('slf4j-api = "org.slf4j:slf4j-api:2.0.11"\n');
    const boot = await bump({ 'gradle/libs.versions.toml': catalog }, { package: 'org.springframework.boot', version: '3.2.2' });
    expect(edited(boot, 'gradle/libs.versions.toml')).toContain('spring-boot = "3.2.2" # keep in step with the BOM\n');
    const ktlint = await bump({ 'gradle/libs.versions.toml': catalog }, { package: 'org.jlleitschuh.gradle.ktlint', version: '12.1.0' });
    expect(edited(ktlint, 'gradle/libs.versions.toml')).toContain('version = "12.1.0" }');
  });
});

test('a rich version in [versions] has its strictly/require value set', async () => {
  const rich = catalog.replace('jackson = "2.15.2"', 'jackson = { strictly = "2.15.2" }');
  const outcome = await bump({ 'gradle/libs.versions.toml': rich }, { package: 'com.fasterxml.jackson.core:jackson-databind', version: '2.16.1' });
  expect(edited(outcome, 'gradle/libs.versions.toml')).toBe(rich.replace('{ strictly = "2.15.2" }', '{ strictly = "2.16.1" }'));
});

test('a catalog entry that is not one line of TOML fails naming the file and line', async () => {
  const broken = catalog.replace('guava = { module = "com.google.guava:guava", version = "32.1.3-jre" }', 'guava = { module = "com.google.guava:guava",\n  version = "32.1.3-jre" }');
  const failure = await failureOf(bump({ 'gradle/libs.versions.toml': broken }));
  expect(failure.code).toBe('change_failed');
  expect(failure.message).toContain('gradle/libs.versions.toml in acme/payments-api is not a version catalog Gradle can read (line 9 of [libraries]');
});

describe('build scripts', () => {
  test('Kotlin DSL: coordinates and map notation; comments and $variables left alone', async () => {
    const outcome = await bump({ 'build.gradle.kts': kts, 'app/build.gradle.kts': kts });
    expect(edited(outcome, 'build.gradle.kts')).toBe(kts.replace('implementation("com.google.guava:guava:32.1.3-jre")', 'implementation("com.google.guava:guava:33.0.0-jre")'));
    expect(outcome.edits).toHaveLength(2);
    const slf4j = await bump({ 'build.gradle.kts': kts }, { package: 'org.slf4j:slf4j-api', version: '2.0.11' });
    expect(edited(slf4j, 'build.gradle.kts')).toContain('version = "2.0.11")');
    const plugin = await bump({ 'build.gradle.kts': kts }, { package: 'org.springframework.boot', version: '3.2.2' });
    expect(edited(plugin, 'build.gradle.kts')).toContain('id("org.springframework.boot") version "3.2.2"');
  });

  test('Groovy DSL: @ext kept, map notation, a URL is not a comment, a block comment is', async () => {
    const guava = await bump({ 'build.gradle': groovy });
    expect(edited(guava, 'build.gradle')).toBe(groovy.replace("guava:32.1.3-jre@jar'", "guava:33.0.0-jre@jar'"));
    const slf4j = await bump({ 'build.gradle': groovy }, { package: 'org.slf4j:slf4j-api', version: '2.0.11' });
    expect(edited(slf4j, 'build.gradle')).toBe(groovy.replace("version: '2.0.9'", "version: '2.0.11'"));
    const plugin = await bump({ 'build.gradle': groovy }, { package: 'org.springframework.boot', version: '3.2.2' });
    expect(edited(plugin, 'build.gradle')).toContain("id 'org.springframework.boot' version '3.2.2'");
  });

  test('already at the version; a version Gradle cannot take is refused', async () => {
    const already = await bump({ 'build.gradle': groovy }, { version: '32.1.3-jre' });
    expect(already).toMatchObject({ edits: [], already: ['build.gradle'], declarations: 1 });
    const bad = await failureOf(bump({ 'build.gradle': groovy }, { version: "1'0" }));
    expect(bad.code).toBe('change_invalid');
  });
});

describe('version variables', () => {
  test('"g:a:$name" sets the variable in the script, else another script, else gradle.properties', async () => {
    const own = 'val guavaVersion = "32.1.3-jre"\ndependencies {\n    implementation("com.google.guava:guava:$guavaVersion")\n    testImplementation("com.google.guava:guava-testlib:$guavaVersion")\n}\n';
    const outcome = await bump({ 'build.gradle.kts': own });
    expect(edited(outcome, 'build.gradle.kts')).toBe(own.replace('val guavaVersion = "32.1.3-jre"', 'val guavaVersion = "33.0.0-jre"'));
    expect(outcome.changed).toEqual(['build.gradle.kts (guavaVersion; was 32.1.3-jre)']);
    const root = "ext {\n    guavaVersion = '32.1.3-jre'\n}\n";
    const module = 'dependencies {\n    implementation "com.google.guava:guava:${rootProject.ext.guavaVersion}"\n}\n';
    const split = await bump({ 'build.gradle': root, 'app/build.gradle': module });
    expect(split.edits).toEqual([{ path: 'build.gradle', content: root.replace("'32.1.3-jre'", "'33.0.0-jre'") }]);
    const props = 'org.gradle.jvmargs=-Xmx2g\nguavaVersion=32.1.3-jre\n';
    const fromProperties = await bump({ 'app/build.gradle.kts': 'val guavaVersion: String by project\ndependencies { implementation("com.google.guava:guava:$guavaVersion") }\n', 'gradle.properties': props });
    expect(fromProperties.edits).toEqual([{ path: 'gradle.properties', content: props.replace('guavaVersion=32.1.3-jre', 'guavaVersion=33.0.0-jre') }]);
  });

  test('$version is the project\'s own version and is left alone', async () => {
    const text = 'version = "1.0.0"\ndependencies { implementation("com.google.guava:guava:$version") }\n';
    expect(await bump({ 'build.gradle.kts': text })).toMatchObject({ edits: [], declarations: 0 });
  });
});

describe('dependency locking', () => {
  const lockfile = '# This is a Gradle generated file for dependency locking.\ncom.google.guava:guava:32.1.3-jre=compileClasspath,runtimeClasspath\nempty=\n';

  test('a lockfile that lists the package and no gradlew: a person must run the build', async () => {
    const outcome = await bump({ 'build.gradle.kts': kts, 'gradle.lockfile': lockfile });
    expect(outcome.edits).toHaveLength(1);
    expect(outcome.needsPerson).toContain('uses Gradle dependency locking (gradle.lockfile lists com.google.guava:guava)');
    expect(outcome.needsPerson).toContain('./gradlew dependencies --write-locks');
  });

  test('with a gradlew wrapper the lockfiles are the lockfile step\'s; one that does not list the package is not', async () => {
    const outcome = await bump({ 'build.gradle.kts': kts, 'gradle.lockfile': lockfile, 'gradle/dependency-locks/buildscript.lockfile': lockfile, 'gradlew': '#!/bin/sh\n' });
    expect(outcome.needsPerson).toBeUndefined();
    expect(outcome).toMatchObject({ manager: 'gradle', root: '', lockfiles: ['gradle.lockfile', 'gradle/dependency-locks/buildscript.lockfile'] });
    const other = await bump({ 'build.gradle.kts': kts, 'gradle.lockfile': lockfile }, { package: 'org.slf4j:slf4j-api', version: '2.0.11' });
    expect(other).toMatchObject({ lockfiles: [] });
    expect(other.needsPerson).toBeUndefined();
  });
});
